pub mod dialog;
pub mod form;
pub mod format;
pub mod impersonate;
pub mod layout;
pub mod toast;
pub mod ui;
