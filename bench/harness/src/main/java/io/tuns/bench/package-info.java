/**
 * Clients the benchmark scripts in {@code bench/} drive tuns and its peers with, where no Debian tool fits: one
 * sub-package per figure. Run with {@code java -cp 'bench/harness/target/tuns-bench.jar:bench/harness/target/lib/*'}.
 */
package io.tuns.bench;
