pub mod detail;
pub mod list;
pub mod new;
pub mod roles_tab;
