pub mod applications;
pub mod connections;
pub mod login;
pub mod users;
