//! What every user operation shares: the pool's rules, finding a user by any name Cognito
//! accepts, the calling app client, and the wire view of a user.

pub mod codes;
pub mod lookup;
pub mod view;

pub use lookup::PoolRules;
pub mod admin;
pub mod list;
pub mod membership;
pub mod passwords;
pub mod self_service;
pub mod signup;
