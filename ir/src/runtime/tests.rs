use super::*;
use crate::program::{MapDef, MapType, ProgType, Program};

#[test]
fn initial_entries_are_in_the_map_before_the_first_run() {
    let mut prog = Program::new(ProgType::Xdp, vec![]);
    let mut set = MapDef::new("blocklist", MapType::Hash, 4, 1, 4);
    set.initial_entries = vec![
        (vec![10, 0, 0, 1], vec![1]),
        (vec![10, 0, 0, 2], vec![1]),
        // Wrong key size: left out, as the kernel would refuse it.
        (vec![10, 0, 0], vec![1]),
    ];
    prog.maps.push(set);
    let mut rt = Runtime::new(&prog);
    assert_eq!(rt.map_lookup(0, &[10, 0, 0, 1]).unwrap(), Some(vec![1]));
    assert_eq!(rt.map_lookup(0, &[10, 0, 0, 2]).unwrap(), Some(vec![1]));
    assert_eq!(rt.map_lookup(0, &[10, 0, 0, 3]).unwrap(), None);
    assert_eq!(rt.map_dump(0).len(), 2);
}
