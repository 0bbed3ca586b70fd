// The parts of service_bench that live in files of their own.
#pragma once

#include "bench_harness.h"
#include "bench_report.h"

namespace famfs::bench {

// Part 2 (service_bench_copy.cc): CopyIn of 1 GiB as a job against memcpy
// bandwidth measured in the same run; the file read back and compared.
void bench_copy(const Paths& paths, sdbus::IConnection& conn, Results& res);

// Part 6 (service_bench_cp.cc): cp -r of a tree of 1,000 small files, the
// old way (one CopyIn per file, each its own commit) against the batch
// (CopyIn commit=false, several in flight, then CommitFiles) in one run.

// Runs the three copies (old way, batch, famfsctl cp -r at FAMFSCTL), each
// onto a fresh device, checks every file arrived, prints times and ratios.
void bench_cp_tree(const Paths& paths, sdbus::IConnection& conn, const std::string& famfsctl);

}  // namespace famfs::bench
