pub mod edit;
pub mod list;
