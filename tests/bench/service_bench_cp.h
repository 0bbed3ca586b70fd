// service_bench part 6: cp -r of a tree of 1,000 small files, the old way
// (one CopyIn per file, each its own commit) against the batch (CopyIn
// commit=false, several in flight, then CommitFiles) in the same run.
#pragma once

#include "bench_harness.h"

namespace famfs::bench {

// Runs the three copies (old way, batch, famfsctl cp -r at FAMFSCTL), each
// onto a fresh device, checks every file arrived, prints times and ratios.
void bench_cp_tree(const Paths& paths, sdbus::IConnection& conn, const std::string& famfsctl);

}  // namespace famfs::bench
