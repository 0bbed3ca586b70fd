// service_bench part 2: CopyIn of 1 GiB as a job against memcpy bandwidth
// measured in the same run, read back with ReadFile and compared.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>

#include "service_bench_parts.h"

namespace famfs::bench {

// ---------------------------------------------------------------------------
// 2. CopyIn of 1 GiB against memcpy

struct JobOutcome {
  bool done = false, success = false;
  std::string error, message;
  Clock::time_point at;
};

void bench_copy(const Paths& paths, sdbus::IConnection& conn, Results& res) {
  // memcpy first, in the same run, then free its buffers.
  double memcpy_secs = memcpy_best_seconds(kCopySize);
  res.memcpy_gbps = gbps(kCopySize, memcpy_secs);
  printf("[2] memcpy 1 GiB, prefaulted buffers (best of 3): %.3f s -> %.2f GB/s\n", memcpy_secs, res.memcpy_gbps);

  const std::string master_uuid = new_uuid();
  const std::string dev = make_device("copy", kCopyDevice, true);
  res.fault_us = page_fault_micros(dev);
  printf(
      "[2] reference: the first write to each 4 KiB of a fresh mapping of the preallocated device file costs "
      "%.2f us of CPU (page-table faults: %.2f s per GiB)\n",
      res.fault_us, res.fault_us * 1e-6 * static_cast<double>(kGiB / 4096));
  run_tool({paths.mkfs, "--system-uuid", master_uuid, dev}, g_tmpdir + "/mkfs.log");
  // allow_format: the warm run below re-formats in place (root only, as we are).
  Famfsd m = start_famfsd(paths, dev, "bench_copy", master_uuid, write_config("copy", 0, true));
  wait_for_names(conn, {&m});
  FilesystemProxy fs(conn, m.bus_name);
  if (fs.Role() != "master") fail("famfsd bench_copy is not the master (Role " + fs.Role() + ")");

  Fd src(memfd_create("copy-source", MFD_CLOEXEC));
  if (src.fd < 0 || ftruncate(src.fd, static_cast<off_t>(kCopySize)) != 0) fail(errno_text("source memfd"));
  Mapping sm(mmap(nullptr, kCopySize, PROT_READ | PROT_WRITE, MAP_SHARED, src.fd, 0), kCopySize);
  if (sm.p == MAP_FAILED) fail(errno_text("mmap source"));
  fill_pattern(sm.bytes(), kCopySize, 0x9e3779b97f4a7c15ULL);

  std::mutex mu;
  std::condition_variable cv;
  std::map<std::string, JobOutcome> outcomes;
  SignalListener listener(signal_rule(m.unique_name, org::famfs::Famfs1::Job_proxy::INTERFACE_NAME, "Completed"),
                          [&](sdbus::Message& msg) {
                            auto at = Clock::now();
                            try {
                              JobOutcome o;
                              msg >> o.success >> o.error >> o.message;
                              o.done = true;
                              o.at = at;
                              std::lock_guard<std::mutex> lock(mu);
                              outcomes[msg.getPath()] = o;
                            } catch (...) {}
                            cv.notify_all();
                          });

  // One CopyIn as a job, from the call until its Completed signal; seconds.
  auto copy_in = [&](const std::string& path) {
    auto t0 = Clock::now();
    sdbus::ObjectPath job;
    try {
      job = fs.CopyIn(path, sdbus::UnixFd(src.fd), Options{{"job", sdbus::Variant(true)}});
    } catch (const sdbus::Error& e) {
      check_alive(m);
      fail("CopyIn failed: " + e.getName() + ": " + e.getMessage());
    }
    if (job == "/" || job.empty()) fail("CopyIn with job=true returned no job object");
    JobOutcome outcome;
    {
      std::unique_lock<std::mutex> lock(mu);
      auto deadline = Clock::now() + std::chrono::seconds(120);
      while (!outcomes.count(job)) {
        cv.wait_for(lock, std::chrono::milliseconds(200));
        lock.unlock();
        check_alive(m);
        lock.lock();
        if (Clock::now() > deadline) fail("the CopyIn job " + std::string(job) + " did not complete within 120 s");
      }
      outcome = outcomes[job];
    }
    if (!outcome.success) fail("the CopyIn job failed: " + outcome.error + ": " + outcome.message);
    // The job object lingers a few seconds after completing: it did it all.
    JobProxy jp(conn, m.bus_name, job);
    if (jp.BytesTotal() != kCopySize || jp.BytesDone() != kCopySize)
      fail("the job reports " + std::to_string(jp.BytesDone()) + " of " + std::to_string(jp.BytesTotal()) + " bytes");
    auto st = fs.Stat(path, {});
    if (st.at("size").get<uint64_t>() != kCopySize) fail(path + " has the wrong size");
    return seconds(outcome.at - t0);
  };

  // Reads PATH back into BACK (from its start) and compares it with the
  // source byte for byte; seconds of the ReadFile call.
  Fd back(memfd_create("copy-readback", MFD_CLOEXEC));
  if (back.fd < 0) fail(errno_text("memfd_create"));
  auto read_back = [&](const std::string& path) {
    if (lseek(back.fd, 0, SEEK_SET) != 0) fail(errno_text("lseek"));
    auto r0 = Clock::now();
    uint64_t got = 0;
    try {
      got = fs.ReadFile(path, sdbus::UnixFd(back.fd), {});
    } catch (const sdbus::Error& e) {
      check_alive(m);
      fail("ReadFile " + path + " failed: " + e.getName() + ": " + e.getMessage());
    }
    double secs = seconds(Clock::now() - r0);
    struct stat bst {};
    if (got != kCopySize || fstat(back.fd, &bst) != 0 || static_cast<uint64_t>(bst.st_size) != kCopySize)
      fail("ReadFile " + path + " returned " + std::to_string(got) + " bytes, the memfd holds " +
           std::to_string(bst.st_size));
    Mapping bm(mmap(nullptr, kCopySize, PROT_READ, MAP_SHARED, back.fd, 0), kCopySize);
    if (bm.p == MAP_FAILED) fail(errno_text("mmap read-back"));
    if (std::memcmp(bm.p, sm.p, kCopySize) != 0) {
      uint64_t i = 0;
      while (i < kCopySize && bm.bytes()[i] == sm.bytes()[i]) ++i;
      fail("the bytes of " + path + " read back differ from the source, first at offset " + std::to_string(i));
    }
    return secs;
  };

  // As specified: a daemon whose device mapping has not touched these pages.
  res.copyin_secs = copy_in("big.bin");
  res.copyin_gbps = gbps(kCopySize, res.copyin_secs);
  printf("[2] CopyIn 1 GiB (call until Completed): %.3f s -> %.2f GB/s\n", res.copyin_secs, res.copyin_gbps);
  printf("[2] CopyIn / memcpy bandwidth: %.2f (target >= %.2f)\n", res.copyin_gbps / res.memcpy_gbps, kTargetCopyRatio);
  double read_secs = read_back("big.bin");
  res.readfile_gbps = gbps(kCopySize, read_secs);
  printf("[2] ReadFile 1 GiB into a fresh memfd: %.3f s -> %.2f GB/s; all %llu bytes identical to the source\n",
         read_secs, res.readfile_gbps, static_cast<unsigned long long>(kCopySize));

  // Diagnostic: the same copy once famfsd's mapping of those device pages is
  // populated (Format in place, then the first-fit allocator hands out the same
  // units again). Closer to devdax, which maps 2 MiB pages.
  try {
    fs.Format(Options{{"force", sdbus::Variant(true)}});
  } catch (const sdbus::Error& e) {
    check_alive(m);
    fail("Format(force) failed: " + e.getName() + ": " + e.getMessage());
  }
  if (fs.Files() != 0) fail("Files is " + std::to_string(fs.Files()) + " right after Format");
  res.copyin_warm_secs = copy_in("big.bin");
  res.copyin_warm_gbps = gbps(kCopySize, res.copyin_warm_secs);
  read_back("big.bin");
  printf(
      "[2] CopyIn 1 GiB again, device pages already mapped in famfsd: %.3f s -> %.2f GB/s (ratio %.2f); "
      "bytes verified\n",
      res.copyin_warm_secs, res.copyin_warm_gbps, res.copyin_warm_gbps / res.memcpy_gbps);

  stop_famfsd(m);
  remove_temp(dev);
}

}  // namespace famfs::bench
