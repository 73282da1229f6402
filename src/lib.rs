pub mod amm;
pub mod config;
pub mod learn;
pub mod market;
pub mod mdp;
pub mod reward;
pub mod rng;
pub mod session;
