//! Shared workloads for the benchmarks: NDJSON from the project's own generator, each line
//! tagged with the registry index of its event type.

use behavior_runtime::Registry;

/// NDJSON lines, each with the registry index of its event type.
pub type Lines = Vec<(usize, Vec<u8>)>;

/// `count` events of the generator's realistic mix.
pub fn generated_mix(registry: &Registry, count: u64, seed: u64) -> Lines {
    let mut ndjson = Vec::new();
    behavior_generator::write_ndjson(registry, count, seed, &mut ndjson)
        .expect("writing to a Vec cannot fail");
    ndjson
        .split(|&b| b == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| {
            let index = registry
                .dispatch(line)
                .expect("the generator writes valid events");
            (index, line.to_vec())
        })
        .collect()
}
