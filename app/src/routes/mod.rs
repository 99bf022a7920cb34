pub mod apis;
pub mod applications;
pub mod connections;
pub mod impersonations;
pub mod login;
pub mod settings;
pub mod users;
