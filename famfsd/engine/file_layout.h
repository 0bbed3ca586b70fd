// Where each byte of a file lives on the device: walks a FileMap in file
// order, for copying data in and out.
#pragma once

#include <cstdint>

#include "omf/log_entry.h"

namespace famfs {

// One contiguous piece of a file: LEN bytes at file offset FILE_OFFSET live
// at device offset DEVICE_OFFSET.
struct FileSegment {
  uint64_t file_offset;
  uint64_t device_offset;
  uint64_t len;
};

// Calls FN(const FileSegment&) for the file bytes [begin, end) in file order,
// clipped to what MAP covers. Simple maps: extents in order. Interleaved
// maps: chunk n is in strip n % nstrips at strip offset (n / nstrips) *
// chunk_size. FN returns false to stop early; for_each_segment then returns
// false too.
template <typename Fn>
bool for_each_segment(const omf::FileMap& map, uint64_t begin, uint64_t end, Fn&& fn) {
  if (map.type == omf::MapType::simple) {
    uint64_t file_pos = 0;
    for (const omf::Extent& x : map.extents) {
      uint64_t x_end = file_pos + x.len;
      if (x_end > begin && file_pos < end) {
        uint64_t from = begin > file_pos ? begin : file_pos;
        uint64_t to = end < x_end ? end : x_end;
        if (!fn(FileSegment{from, x.offset + (from - file_pos), to - from})) return false;
      }
      file_pos = x_end;
      if (file_pos >= end) break;
    }
    return true;
  }
  const uint64_t nstrips = map.extents.size(), chunk = map.chunk_size;
  if (nstrips == 0 || chunk == 0) return true;
  uint64_t strip_len = map.extents[0].len;
  for (const omf::Extent& s : map.extents) strip_len = s.len < strip_len ? s.len : strip_len;
  const uint64_t total = strip_len / chunk * chunk * nstrips;  // bytes the strips can hold
  if (end > total) end = total;
  for (uint64_t pos = begin; pos < end;) {
    uint64_t n = pos / chunk, within = pos % chunk;
    const omf::Extent& strip = map.extents[n % nstrips];
    uint64_t len = chunk - within;
    if (len > end - pos) len = end - pos;
    if (!fn(FileSegment{pos, strip.offset + (n / nstrips) * chunk + within, len})) return false;
    pos += len;
  }
  return true;
}

}  // namespace famfs
