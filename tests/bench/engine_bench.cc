// Engine benchmarks (issue 2): full replay of a full 64 MiB log (~123,000
// entries), incremental replay of one new entry, 100,000 allocations.
// Prints numbers; asserts nothing about time. Run: build/tests/bench/engine_bench
#include <algorithm>
#include <cstring>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <random>
#include <vector>

#include <malloc.h>
#include <unistd.h>
#include <zlib.h>

#include "../unit/fake_device.h"
#include "device/device.h"
#include "engine/allocator.h"
#include "engine/format.h"
#include "engine/superblock_read.h"
#include "engine/volume.h"
#include "omf/crc.h"
#include "omf/layout.h"
#include "util/large_pages.h"

namespace {

using famfs::testing::FakeDevice;
using Clock = std::chrono::steady_clock;
constexpr uint64_t kMiB = 1ULL << 20, kGiB = 1ULL << 30;

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

// CPU time of this thread in ms: what replay and the floor compare on, as
// time the thread did not run (2 cores shared with the rest of CI) is not
// counted; wall time is printed next to it.
double cpu_ms() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Resident bytes of this process (/proc/self/statm).
long rss_bytes() {
  FILE* f = fopen("/proc/self/statm", "r");
  long pages_total = 0, pages_resident = 0;
  if (f) {
    if (fscanf(f, "%ld %ld", &pages_total, &pages_resident) != 2) pages_resident = 0;
    fclose(f);
  }
  return pages_resident * sysconf(_SC_PAGESIZE);
}

// KiB of this process on transparent huge pages (/proc/self/smaps_rollup).
long anon_huge_kib() {
  FILE* f = fopen("/proc/self/smaps_rollup", "r");
  long kib = 0;
  char line[256];
  while (f && fgets(line, sizeof line, f))
    if (sscanf(line, "AnonHugePages: %ld kB", &kib) == 1) break;
  if (f) fclose(f);
  return kib;
}

[[noreturn]] void die(const std::string& what) {
  fprintf(stderr, "engine_bench: %s\n", what.c_str());
  exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  // --log-size MIB: another log size (a power of two >= 8; the device grows
  // with it); --replay-only: only the fill, the full replay and the CRC floor
  // (for profiling, e.g. under callgrind with a smaller log);
  // --device-size: print the device size a --log-size log needs and exit;
  // --device FILE --system-uuid UUID: fill FILE, formatted by mkfs.famfs
  // with that master UUID (its log size comes from the superblock), instead
  // of an in-memory device (tests/bench/scale.sh).
  uint64_t log_mib = 64;
  bool replay_only = false, print_size = false, small_pages = false;
  int profile_replays = 0;  // --profile-replays N: after the fill, N full replays and nothing else
  std::string save_path;    // --save FILE: the filled file system as a sparse image (for fsck, famfsd)
  std::string device_path, uuid_text;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--log-size" && i + 1 < argc)
      log_mib = std::strtoull(argv[++i], nullptr, 10);
    else if (a == "--replay-only")
      replay_only = true;
    else if (a == "--profile-replays" && i + 1 < argc)
      profile_replays = std::atoi(argv[++i]);
    else if (a == "--small-pages")
      small_pages = true;
    else if (a == "--device-size")
      print_size = true;
    else if (a == "--save" && i + 1 < argc)
      save_path = argv[++i];
    else if (a == "--device" && i + 1 < argc)
      device_path = argv[++i];
    else if (a == "--system-uuid" && i + 1 < argc)
      uuid_text = argv[++i];
    else
      die("usage: engine_bench [--log-size MIB] [--replay-only] [--profile-replays N] [--save FILE] [--device-size] "
          "[--small-pages] [--device FILE --system-uuid UUID]");
  }
  // Every file is at most 2 MiB (one allocation unit): the device holds one unit per entry.
  auto device_size_for = [](uint64_t log_len) {
    return 2 * kMiB + log_len + (famfs::omf::last_index_for(log_len) + 1 + 64) * 2 * kMiB;
  };
  if (print_size) {
    printf("%llu\n", (unsigned long long)device_size_for(log_mib * kMiB));
    return 0;
  }
  std::unique_ptr<famfs::Device> owned;
  famfs::Uuid master = famfs::Uuid::random();
  uint64_t log_len = log_mib * kMiB;
  if (!device_path.empty()) {
    auto parsed = famfs::Uuid::parse(uuid_text);
    if (!parsed) die("--device needs --system-uuid UUID (the master's, as given to mkfs.famfs)");
    master = *parsed;
    auto opened = famfs::open_device(device_path, famfs::OpenMode::read_write);
    if (!opened) die(device_path + ": " + opened.error().message());
    owned = std::move(opened.value());
    auto sb = famfs::read_superblock(*owned);
    if (!sb) die(device_path + ": " + sb.error().message());
    log_len = sb->geometry.log_len;
    if (owned->size() < device_size_for(log_len))
      die(device_path + " is too small: the fill needs " + std::to_string(device_size_for(log_len)) + " bytes");
  } else {
    auto fake = std::make_unique<FakeDevice>(device_size_for(log_len), "bench0");
    // A devdax device is mapped with 2 MiB pages, and so is this one unless
    // --small-pages (4 KiB pages, as an emulated device in /dev/shm is).
    if (!small_pages && !fake->use_huge_pages()) die("MADV_HUGEPAGE refused (use --small-pages)");
    owned = std::move(fake);
    famfs::FormatOptions fo;
    fo.log_len = log_len;
    fo.system_uuid = master;
    if (!format_device(*owned, fo)) die("format failed");
  }
  famfs::Device& dev = *owned;
  const uint64_t capacity = famfs::omf::last_index_for(log_len) + 1;  // 123,361 for 64 MiB
  const uint64_t dev_size = dev.size();                               // ~241 GiB for 64 MiB, sparse

  // What opening a client volume costs before the first entry (superblock,
  // host area, allocator bitmaps for the whole device, empty namespace): the
  // fixed part of every replay, on an empty log of the same geometry.
  double fixed_ms = 1e9;
  {
    FakeDevice empty(dev_size, "bench-empty");
    famfs::FormatOptions fo;
    fo.log_len = log_len;
    fo.system_uuid = master;
    if (!format_device(empty, fo)) die("format failed");
    for (int rep = 0; rep < 11; ++rep) {
      double c0 = cpu_ms();
      auto v = famfs::Volume::open(empty, famfs::Uuid::random());
      fixed_ms = std::min(fixed_ms, cpu_ms() - c0);
      if (!v || (*v)->log_entries() != 0) die("the empty log did not open empty");
    }
  }

  // Fill the log through the master's own append path: 1 directory per 100 files.
  auto writer = famfs::Volume::open(dev, master);
  if (!writer) die(writer.error().message());
  auto t0 = Clock::now();
  uint64_t dirs = 0, files = 0;
  std::string dir;
  for (uint64_t i = 0; i < capacity; ++i) {
    if (i % 101 == 0) {
      famfs::DirRequest d;
      d.path = dir = "d" + std::to_string(dirs++);
      if (auto r = (*writer)->make_directory(d); !r) die(r.error().message());
    } else {
      famfs::FileRequest f;
      f.path = dir + "/f" + std::to_string(files++);
      f.size = 1 + (i * 104729) % (2 * kMiB);
      if (auto r = (*writer)->create_file(f, /*zero=*/false); !r) die(r.error().message());
    }
  }
  double fill_ms = ms_since(t0);
  printf("log: %llu entries (%llu dirs, %llu files) in a %llu MiB log on a %.1f GiB device\n",
         (unsigned long long)capacity, (unsigned long long)dirs, (unsigned long long)files,
         (unsigned long long)(log_len / kMiB), double(dev_size) / kGiB);
  if (device_path.empty())
    printf("device memory: %s (the process has %ld MiB on huge pages after the fill)\n",
           small_pages ? "4 KiB pages (--small-pages)" : "2 MiB pages asked for, as devdax maps",
           anon_huge_kib() / 1024);
  printf("append (master, create_file/make_directory, no zeroing): %.0f entries/s (%.1f ms total)\n",
         capacity / (fill_ms / 1000), fill_ms);

  if (!save_path.empty()) {
    // Superblock region and log only; the data area stays a hole (no file was zeroed).
    const uint64_t meta = famfs::omf::kLogOffset + log_len;
    std::vector<uint8_t> head(meta);
    if (!dev.read(0, head.data(), head.size())) die("cannot read the metadata back");
    FILE* f = fopen(save_path.c_str(), "wb");
    if (!f || fwrite(head.data(), 1, head.size(), f) != head.size() || ftruncate(fileno(f), dev_size) != 0 ||
        fclose(f) != 0)
      die("cannot write " + save_path);
    printf("saved as %s (%.1f GiB, sparse)\n", save_path.c_str(), double(dev_size) / kGiB);
  }

  if (profile_replays > 0) {  // for a profiler: nothing but replay from here on
    for (int rep = 0; rep < profile_replays; ++rep)
      if (auto v = famfs::Volume::open(dev, famfs::Uuid::random()); !v || (*v)->state().names().file_count() != files)
        die("full replay disagrees with what was written");
    return 0;
  }

  // Full replay against the CRC floor, measured interleaved: each round
  // runs one full replay (a client volume opened on the full log), one pass
  // of the floor (the CRC of every entry of the same log, nothing else,
  // with the library famfs uses: ISA-L) and one pass of each cumulative
  // stage of replay, so a burst of load on the shared machine hits all of
  // them alike; each figure is the best of its kRounds runs (CPU time of
  // this thread; wall time printed next to the replay's).
  constexpr int kRounds = 11;
  // The floor reads the entries where replay reads them, in the device's
  // own mapping (the same bytes, in the same cache state: the CPUs here have
  // a large L3, and a private copy read over and over stays in it); a
  // device without a mapping gets a copy.
  std::vector<uint8_t> log;
  const uint8_t* first = dev.map_view() ? dev.map_view() + famfs::omf::entry_offset(0) : nullptr;
  if (!first) {
    log.resize(log_len);
    if (!dev.read(famfs::omf::kLogOffset, log.data(), log.size())) die("cannot read the log back");
    first = log.data() + famfs::omf::kLogHeaderSize;
  }
  const size_t covered = famfs::omf::kLogEntrySize - 8;
  uint64_t sink = 0;
  auto timed = [](auto&& run) {
    double c0 = cpu_ms();
    run();
    return cpu_ms() - c0;
  };
  auto replay_once = [&](std::vector<double>& cpu, std::vector<double>& wall) {
    auto w0 = Clock::now();
    double c0 = cpu_ms();
    auto v = famfs::Volume::open(dev, famfs::Uuid::random());
    cpu.push_back(cpu_ms() - c0);
    wall.push_back(ms_since(w0));
    if (!v || (*v)->fatal() || !(*v)->problems().empty() || (*v)->state().names().file_count() != files)
      die("full replay disagrees with what was written");
  };
  auto floor_pass = [&](auto&& crc) {
    return timed([&] {
      for (uint64_t i = 0; i < capacity; ++i) sink += crc(first + i * famfs::omf::kLogEntrySize);
    });
  };
  auto isal_crc = [&](const uint8_t* p) { return famfs::omf::crc32_of(p, covered); };
  // The stages, cumulative over the same log: (1) reading it from the
  // device in replay's batches, (2) + the CRC of each entry, (3) + decoding
  // with every byte-level check (CRC, seqnum, type, path rules, counts);
  // full replay adds apply. The differences are each stage's cost.
  constexpr uint64_t kBatch = 512;
  std::vector<uint8_t> batch(kBatch * famfs::omf::kLogEntrySize);
  auto stage_pass = [&](int upto) {
    return timed([&] {
      for (uint64_t pos = 0; pos < capacity; pos += kBatch) {
        uint64_t n = std::min(kBatch, capacity - pos);
        if (!dev.read(famfs::omf::entry_offset(pos), batch.data(), n * famfs::omf::kLogEntrySize)) die("read");
        for (uint64_t i = 0; upto >= 2 && i < n; ++i) {
          const uint8_t* p = batch.data() + i * famfs::omf::kLogEntrySize;
          if (upto == 2) {
            sink += famfs::omf::crc32_of(p, covered);
          } else {
            auto d = famfs::omf::decode_entry(famfs::omf::ConstEntryBytes(p, famfs::omf::kLogEntrySize), pos + i);
            sink += d.index();
          }
        }
        sink += batch[0];
      }
    });
  };
  std::vector<double> full, full_cpu, floor, read, read_crc, read_decode;
  for (int round = 0; round < kRounds; ++round) {
    replay_once(full_cpu, full);
    floor.push_back(floor_pass(isal_crc));
    read.push_back(stage_pass(1));
    read_crc.push_back(stage_pass(2));
    read_decode.push_back(stage_pass(3));
  }
  auto best = [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); };
  const double best_replay = best(full_cpu), isal = best(floor);
  printf(
      "full replay of %llu entries: CPU best %.1f ms, median %.1f ms; wall best %.1f ms, median %.1f ms "
      "(target <= 100 ms; reference: 170 ms for 15,420)\n",
      (unsigned long long)capacity, best_replay, median(full_cpu), best(full), median(full));
  double zlib = 1e9;
  for (int rep = 0; rep < 5; ++rep)
    zlib = std::min(zlib, floor_pass([&](const uint8_t* p) { return crc32(0L, p, static_cast<uInt>(covered)); }));
  printf("CRC floor over the same %llu entries (CPU): ISA-L %.2f ms (used; median %.2f), zlib %.2f ms (%.1fx slower)\n",
         (unsigned long long)capacity, isal, median(floor), zlib, zlib / isal);
  double ratio = best_replay / isal;
  printf(
      "full replay / CRC floor (ISA-L, CPU time, %d interleaved rounds, best of each): %.1fx (best replay %.1f ms, "
      "best floor %.2f ms; round by round: median %.1fx); target <= 5x: %s\n",
      kRounds, ratio, best_replay, isal,
      [&] {
        std::vector<double> r;
        for (int i = 0; i < kRounds; ++i) r.push_back(full_cpu[i] / floor[i]);
        return median(r);
      }(),
      ratio <= 5 ? "met" : "not met");
  // The floor as issue 15 first measured it, printed next to it so neither
  // is taken for the other: the CRC of a private heap copy of the entries,
  // read over and over, so hot in cache and on heap pages (a lower bound
  // replay cannot reach: it reads the log once, from the device).
  {
    std::vector<uint8_t> copy(capacity * famfs::omf::kLogEntrySize);
    for (uint64_t i = 0; i < capacity; ++i)
      std::memcpy(copy.data() + i * famfs::omf::kLogEntrySize, first + i * famfs::omf::kLogEntrySize,
                  famfs::omf::kLogEntrySize);
    double hot = 1e9;
    for (int rep = 0; rep < kRounds; ++rep)
      hot = std::min(hot, timed([&] {
                       for (uint64_t i = 0; i < capacity; ++i)
                         sink += isal_crc(copy.data() + i * famfs::omf::kLogEntrySize);
                     }));
    printf(
        "CRC of a private copy of the same entries, hot in cache (the floor as issue 15 first measured it; best of "
        "%d): ISA-L %.2f ms; full replay / that: %.1fx; target <= 5x against it: %s\n",
        kRounds, hot, best_replay / hot, best_replay / hot <= 5 ? "met" : "not met");
  }
  const double r1 = best(read), r2 = best(read_crc), r3 = best(read_decode);
  printf(
      "replay by stage (CPU, ms, best of the same %d rounds; cumulative: read %.2f, + CRC %.2f, + decode %.2f, full "
      "replay %.2f): read into batches %.2f, CRC %.2f, decode and byte checks %.2f, apply (map checks, allocator, "
      "namespace) %.2f\n",
      kRounds, r1, r2, r3, best_replay, r1, r2 - r1, r3 - r2, best_replay - r3);
  printf(
      "fixed cost of a full replay (a client volume opened on an empty log, same geometry): %.1f us (CPU, best "
      "of 11)\n",
      fixed_ms * 1000);
  printf(
      "(full replay reads each batch of the log ahead, during the apply of the one before: its read costs less "
      "than stage 1 alone, and the apply figure is what is left)\n");
  if (sink == 42) printf(" ");  // keeps the loops

  // Memory of a replayed client: RSS before and after one more full replay, per entry.
  {
    // Memory the earlier replays freed goes back first: the heap's, and the
    // huge-page blocks util/large_pages keeps for reuse (else this replay
    // would reuse resident pages and seem to need none).
    malloc_trim(0);
    famfs::release_kept_large();
    long before = rss_bytes();
    double c0 = cpu_ms();
    auto v = famfs::Volume::open(dev, famfs::Uuid::random());
    double cold = cpu_ms() - c0;
    if (!v) die("replay failed");
    long after = rss_bytes();
    printf(
        "full replay into memory the process never touched (page faults included, as at famfsd start; one run): "
        "%.1f ms of CPU\n",
        cold);
    printf("RSS of a replayed client volume: %.1f MiB for %llu entries = %.0f bytes per entry (log %llu MiB)\n",
           double(after - before) / kMiB, (unsigned long long)capacity, double(after - before) / capacity,
           (unsigned long long)(log_len / kMiB));
  }

  if (replay_only) return 0;

  // Incremental replay: a client with everything but the last entries, then one new entry at a time.
  FakeDevice dev2(64 * kGiB, "bench1");
  famfs::FormatOptions fo;
  fo.log_len = log_len;
  fo.system_uuid = master;
  if (!format_device(dev2, fo)) die("format failed");
  auto m2 = std::move(famfs::Volume::open(dev2, master).value());
  for (int i = 0; i < 20000; ++i) {
    famfs::FileRequest f;
    f.path = "base" + std::to_string(i);
    f.size = 4096;
    if (!m2->create_file(f, false)) die("fill failed");
  }
  auto client = std::move(famfs::Volume::open(dev2, famfs::Uuid::random()).value());
  std::vector<double> inc, idle;
  for (int i = 0; i < 2000; ++i) {
    famfs::FileRequest f;
    f.path = "new" + std::to_string(i);
    f.size = 4096;
    if (!m2->create_file(f, false)) die("append failed");
    t0 = Clock::now();
    auto s = client->refresh();
    inc.push_back(ms_since(t0) * 1000);
    if (!s || s->entries != 1) die("incremental replay did not see exactly one entry");
    t0 = Clock::now();
    auto none = client->refresh();
    idle.push_back(ms_since(t0) * 1000);
    if (!none || none->entries != 0) die("idle refresh saw entries");
  }
  printf("incremental replay of 1 new entry (20,000 already replayed): median %.2f us, p99 %.2f us\n", median(inc),
         [&] {
           auto v = inc;
           std::sort(v.begin(), v.end());
           return v[v.size() * 99 / 100];
         }());
  printf("poll with no new entry: median %.2f us\n", median(idle));

  // 100,000 allocations on a 256 GiB device: single units, then mixed sizes.
  famfs::omf::Geometry g{256 * kGiB, famfs::omf::kLogOffset, famfs::omf::kDefaultLogLen, 2 * kMiB};
  {
    famfs::Allocator a(g);
    t0 = Clock::now();
    for (int i = 0; i < 100000; ++i)
      if (!a.allocate(4096, std::nullopt)) die("allocation failed");
    double ms = ms_since(t0);
    printf("100,000 allocations of 1 unit: %.1f ms (%.0f ns each)\n", ms, ms * 1e6 / 100000);
  }
  {
    famfs::Allocator a(g);
    std::mt19937_64 rng(42);
    std::vector<famfs::omf::FileMap> live;
    t0 = Clock::now();
    for (int i = 0; i < 100000; ++i) {
      auto m = a.allocate(1 + rng() % (4 * kMiB), std::nullopt);
      if (!m) die("allocation failed");
      live.push_back(std::move(m.value()));
      if (i % 4 == 3) {  // free one in four at random: holes to reuse
        size_t k = rng() % live.size();
        a.release(live[k]);
        live[k] = live.back();
        live.pop_back();
      }
    }
    double ms = ms_since(t0);
    printf("100,000 allocations of 1 B..4 MiB with 25%% random frees: %.1f ms (%.0f ns each)\n", ms, ms * 1e6 / 100000);
  }
  {
    famfs::Allocator a(g);
    t0 = Clock::now();
    for (int i = 0; i < 3000; ++i)  // 3,000 x 64 MiB fills three quarters of the device
      if (!a.allocate(64 * kMiB, famfs::InterleaveParams{4, 2 * kMiB, 8})) die("interleaved allocation failed");
    double ms = ms_since(t0);
    printf("3,000 interleaved allocations of 64 MiB (4 strips, 8 buckets): %.1f ms (%.1f us each)\n", ms,
           ms * 1e3 / 3000);
  }
  return 0;
}
