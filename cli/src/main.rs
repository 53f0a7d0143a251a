//! `shardscope`: the command-line shell around the engine.

fn main() {
    println!("shardscope {}", shardscope_engine::VERSION);
}
