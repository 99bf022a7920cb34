//! Shared Tailwind class sets, so every screen looks like the same product.

pub const BTN_PRIMARY: &str = "inline-flex items-center justify-center gap-2 rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:cursor-not-allowed disabled:opacity-50";
pub const BTN_SECONDARY: &str = "inline-flex items-center justify-center gap-2 rounded-md bg-white px-3 py-2 text-sm font-semibold text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 hover:bg-slate-50 focus-visible:outline focus-visible:outline-2 focus-visible:outline-indigo-600 disabled:cursor-not-allowed disabled:opacity-50";
pub const BTN_DANGER: &str = "inline-flex items-center justify-center gap-2 rounded-md bg-red-600 px-3 py-2 text-sm font-semibold text-white shadow-sm hover:bg-red-500 focus-visible:outline focus-visible:outline-2 focus-visible:outline-red-600 disabled:cursor-not-allowed disabled:opacity-50";
/// Disabled (a read-only viewer's form) looks flat and grey, not editable.
pub const INPUT: &str = "block w-full rounded-md border-0 px-3 py-2 text-sm text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 placeholder:text-slate-400 focus:ring-2 focus:ring-inset focus:ring-indigo-600 disabled:cursor-not-allowed disabled:bg-slate-50 disabled:text-slate-600 disabled:shadow-none disabled:ring-slate-200";
pub const INPUT_ERROR: &str = "block w-full rounded-md border-0 px-3 py-2 text-sm text-slate-900 shadow-sm ring-2 ring-inset ring-red-500 focus:ring-2 focus:ring-inset focus:ring-red-600";
pub const LABEL: &str = "block text-sm font-medium text-slate-800";
pub const HELP: &str = "mt-1 text-xs text-slate-500";
pub const CARD: &str = "rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200";
pub const H1: &str = "text-2xl font-semibold tracking-tight text-slate-900";
pub const H2: &str = "text-base font-semibold text-slate-900";
pub const LINK: &str = "font-medium text-indigo-700 hover:text-indigo-900 hover:underline";
pub const BADGE_RED: &str = "inline-flex items-center rounded-full bg-red-50 px-2 py-0.5 text-xs font-medium text-red-700 ring-1 ring-inset ring-red-600/20";
pub const BADGE_GREEN: &str = "inline-flex items-center rounded-full bg-emerald-50 px-2 py-0.5 text-xs font-medium text-emerald-700 ring-1 ring-inset ring-emerald-600/20";
pub const BADGE_SLATE: &str = "inline-flex items-center rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700 ring-1 ring-inset ring-slate-500/20";
pub const BADGE_INDIGO: &str = "inline-flex items-center rounded-full bg-indigo-50 px-2 py-0.5 text-xs font-medium text-indigo-700 ring-1 ring-inset ring-indigo-600/20";
pub const BADGE_AMBER: &str = "inline-flex items-center rounded-full bg-amber-50 px-2 py-0.5 text-xs font-medium text-amber-800 ring-1 ring-inset ring-amber-600/20";
