// Device access: the one interface through which famfs touches shared memory.
//
// Every byte of the device may be written by another host (or be poisoned),
// so all access goes through read()/write()/zero() which copy under a SIGBUS
// guard: a memory error becomes Errc::memory_error, never a dead process.
// Nothing outside device/ dereferences device memory directly, except through
// map_view() whose users wrap every access in guarded_run() themselves
// (memory_guard.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "util/result.h"

namespace famfs {

enum class DeviceKind {
  file,    // regular file or /dev/shm file: the emulated device of tests and demos
  devdax,  // /dev/daxX.Y character device (mmap, size and alignment from libdaxctl)
  pmem,    // /dev/pmemN block device
  memory,  // anonymous memory owned by the process (fuzzing, benchmarks)
};

// Stable lower-case name ("file", "devdax", "pmem", "memory").
const char* device_kind_name(DeviceKind kind);

enum class OpenMode { read_only, read_write };

class Device {
 public:
  virtual ~Device() = default;

  // What kind of device this is.
  virtual DeviceKind kind() const = 0;
  // The path it was opened from ("" for memory devices).
  virtual const std::string& path() const = 0;
  // The real size in bytes, as the OS reports it (never the superblock's claim).
  virtual uint64_t size() const = 0;
  // Whether write()/zero() are allowed (opened read_write).
  virtual bool writable() const = 0;

  // Copies [offset, offset+len) into dst. invalid_argument when the range is
  // outside the device, memory_error on SIGBUS.
  virtual Status read(uint64_t offset, void* dst, size_t len) = 0;
  // Copies src to [offset, offset+len). Does not flush. Errors as read(), plus
  // permission_denied on a read-only device.
  virtual Status write(uint64_t offset, const void* src, size_t len) = 0;
  // Writes zeros over [offset, offset+len) and flushes them (new allocations).
  virtual Status zero(uint64_t offset, uint64_t len) = 0;
  // Makes [offset, offset+len) durable and visible to other hosts: writes the
  // cache lines back (clwb, else clflushopt, else clflush; then sfence) and,
  // for page-cache-backed devices, msync. Only the lines covering the range.
  virtual Status flush(uint64_t offset, uint64_t len) = 0;
  // Copies src to [offset, offset+len) and makes it durable and visible, like
  // write() + flush(); mapped devices stream the bulk past the CPU cache, so
  // large copies (file contents) cost one pass over memory.
  virtual Status write_flushed(uint64_t offset, const void* src, size_t len) {
    FAMFS_TRY(write(offset, src, len));
    return flush(offset, len);
  }
  // Drops this CPU's cached copies of [offset, offset+len) so the next read
  // fetches what another host wrote (clflushopt/clflush + mfence).
  virtual Status invalidate(uint64_t offset, uint64_t len) = 0;

  // Hint before a bulk access of [offset, offset+len): builds the page
  // tables in one go (mapped devices) so the copy does not take a fault per
  // page. Never fails; errors surface in the access itself.
  virtual void populate(uint64_t offset, uint64_t len, bool for_write) { (void)offset, (void)len, (void)for_write; }

  // Raw pointer to the mapping of byte 0, for bulk copies done by callers that
  // wrap every access in guarded_run() (see memory_guard.h). nullptr if the
  // device is not mapped.
  virtual uint8_t* map_view() = 0;
};

// Opens PATH, choosing the implementation from the file type: character
// device -> devdax, block device -> pmem, regular file -> file.
// Errors: not_found, permission_denied, invalid_argument (other file types,
// empty files), io_error (mmap failed), unsupported (dax device in system-ram mode).
Result<std::unique_ptr<Device>> open_device(const std::string& path, OpenMode mode);

// A process-private device of SIZE bytes backed by anonymous memory
// (MAP_NORESERVE, so sizes far beyond RAM are fine while untouched).
Result<std::unique_ptr<Device>> make_memory_device(uint64_t size);

}  // namespace famfs
