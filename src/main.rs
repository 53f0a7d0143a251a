//! The browser entry point that Trunk builds: mount the app on <body>.

fn main() {
    shardscope::start();
}
