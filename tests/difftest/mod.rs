//! The differential tester's parts: a raw RESP2/RESP3 client, the seeded
//! workload generator, the comparison rules, the lockstep runner, the
//! shrinker and the known-differences skip list.

pub mod client;
pub mod generate;
pub mod known;
pub mod normalize;
pub mod run;
pub mod shrink;
