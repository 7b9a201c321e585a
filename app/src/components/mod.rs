pub mod access;
pub mod controls;
pub mod impact;
pub mod layout;
pub mod modal;
pub mod more;
pub mod notice;
pub mod search;
