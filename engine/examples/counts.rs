fn main() {
    for f in std::env::args().skip(1) {
        let s = shardscope_engine::scenario::parse(&std::fs::read_to_string(&f).unwrap()).unwrap();
        let mut best = f64::MAX;
        let mut ev = 0;
        for _ in 0..5 {
            let t = std::time::Instant::now();
            let mut sim = shardscope_engine::sim::Simulation::new(&s).unwrap();
            sim.run();
            ev = sim.events_processed();
            let _ = sim.finish();
            best = best.min(t.elapsed().as_secs_f64() * 1e3);
        }
        println!("{f}: {ev} events, {best:.2} ms");
    }
}
