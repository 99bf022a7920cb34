pub mod apis;
pub mod applications;
pub mod connections;
pub mod login;
pub mod users;
pub mod settings;
