mod clients;
pub mod edit;
pub mod list;
