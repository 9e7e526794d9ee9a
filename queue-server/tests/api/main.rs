//! Integration tests of the queue server over real HTTP on loopback with a real SQLite file.

mod helpers;

mod abuse;
mod apologies;
mod appointments;
mod backup;
mod bad_input;
mod catalogue;
mod cli;
mod concurrency;
mod crash;
mod devices;
mod dossiers;
mod flow;
mod intake;
mod live;
mod metrics;
mod model;
mod notices;
mod pages;
mod province;
mod proxy;
mod rating_export;
mod refusals;
mod reports;
mod restarts;
mod retries;
mod rules;
mod sign_in;
mod staff;
mod store_failure;
mod text;
mod verification;
mod zalo;
