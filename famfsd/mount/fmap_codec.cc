#include "mount/fmap_codec.h"

#include <cstddef>
#include <string>

namespace famfs::mount {

// The layout the module and the reference tools agree on (64-bit hosts).
static_assert(sizeof(famfs_ioc_simple_extent) == 24);
static_assert(sizeof(famfs_ioc_interleaved_ext) == 32);
static_assert(sizeof(famfs_ioc_fmap) == 32);
static_assert(sizeof(famfs_ioc_get_fmap) == 448);
static_assert(sizeof(famfs_ioc_state) == 32);
static_assert(offsetof(famfs_ioc_state, fs_fail_offset) == 8);
static_assert(offsetof(famfs_ioc_fmap, fioc_file_size) == 0);
static_assert(offsetof(famfs_ioc_fmap, fioc_file_type) == 8);
static_assert(offsetof(famfs_ioc_fmap, fioc_ext_type) == 12);
static_assert(offsetof(famfs_ioc_fmap, fioc_nextents) == 16);
static_assert(offsetof(famfs_ioc_fmap, kse) == 24);
static_assert(offsetof(famfs_ioc_interleaved_ext, ie_strips) == 24);
static_assert(offsetof(famfs_ioc_get_fmap, ikse) == 32);
static_assert(offsetof(famfs_ioc_get_fmap, ks.kie_strips) == 64);
static_assert(FAMFSIOC_MAP_CREATE_V2 == 0x40207554u);
static_assert(FAMFSIOC_MAP_GET_V2 == 0x81c07555u);

namespace {

famfs_ioc_simple_extent to_kernel(const omf::Extent& x) { return famfs_ioc_simple_extent{x.devindex, x.offset, x.len}; }
omf::Extent from_kernel(const famfs_ioc_simple_extent& x) { return omf::Extent{x.devindex, x.offset, x.len}; }

}  // namespace

void KernelMap::bind_pointers() {
  if (head.fioc_ext_type == FAMFS_IOC_EXT_INTERLEAVE) {
    for (famfs_ioc_interleaved_ext& ie : interleaved) ie.ie_strips = reinterpret_cast<uintptr_t>(extents.data());
    head.kie = reinterpret_cast<uintptr_t>(interleaved.data());
  } else {
    head.kse = reinterpret_cast<uintptr_t>(extents.data());
  }
}

Result<KernelMap> encode_kernel_map(const omf::FileMap& map, uint64_t size, famfs_file_type type) {
  if (map.extents.empty()) return Error(Errc::invalid_argument, "map has no extents");
  KernelMap k;
  k.head.fioc_file_size = size;
  k.head.fioc_file_type = type;
  for (const omf::Extent& x : map.extents) k.extents.push_back(to_kernel(x));
  if (map.type == omf::MapType::simple) {
    if (map.extents.size() > FAMFS_MAX_SIMPLE_EXTENTS)
      return Error(Errc::invalid_argument, "map has " + std::to_string(map.extents.size()) +
                                               " extents; famfs.ko takes at most " +
                                               std::to_string(FAMFS_MAX_SIMPLE_EXTENTS));
    k.head.fioc_ext_type = FAMFS_IOC_EXT_SIMPLE;
    k.head.fioc_nextents = static_cast<uint32_t>(map.extents.size());
    return k;
  }
  if (map.extents.size() > FAMFS_MAX_STRIPS)
    return Error(Errc::invalid_argument, "map has " + std::to_string(map.extents.size()) +
                                             " strips; famfs.ko takes at most " + std::to_string(FAMFS_MAX_STRIPS));
  if (map.chunk_size == 0) return Error(Errc::invalid_argument, "interleaved map without a chunk size");
  k.head.fioc_ext_type = FAMFS_IOC_EXT_INTERLEAVE;
  k.head.fioc_niext = 1;
  k.interleaved.push_back(famfs_ioc_interleaved_ext{map.extents.size(), map.chunk_size, size, 0});
  return k;
}

Result<KernelFileMap> decode_kernel_map(const famfs_ioc_get_fmap& got) {
  KernelFileMap out;
  out.size = got.iocmap.fioc_file_size;
  out.file_type = got.iocmap.fioc_file_type;
  if (got.iocmap.fioc_ext_type == FAMFS_IOC_EXT_SIMPLE) {
    uint32_t n = got.iocmap.fioc_nextents;
    if (n > FAMFS_MAX_SIMPLE_EXTENTS)
      return Error(Errc::corrupt, "MAP_GET_V2 reports " + std::to_string(n) + " extents (at most " +
                                      std::to_string(FAMFS_MAX_SIMPLE_EXTENTS) + ")");
    out.map.type = omf::MapType::simple;
    for (uint32_t i = 0; i < n; ++i) out.map.extents.push_back(from_kernel(got.ikse[i]));
    return out;
  }
  if (got.iocmap.fioc_ext_type != FAMFS_IOC_EXT_INTERLEAVE)
    return Error(Errc::corrupt, "MAP_GET_V2 reports extent type " + std::to_string(got.iocmap.fioc_ext_type));
  if (got.iocmap.fioc_niext != 1)
    return Error(Errc::corrupt,
                 "MAP_GET_V2 reports " + std::to_string(got.iocmap.fioc_niext) + " interleaved extents (expected 1)");
  uint64_t nstrips = got.ks.ikie.ie_nstrips;
  if (nstrips == 0 || nstrips > FAMFS_MAX_STRIPS)
    return Error(Errc::corrupt, "MAP_GET_V2 reports " + std::to_string(nstrips) + " strips");
  out.map.type = omf::MapType::interleaved;
  out.map.chunk_size = got.ks.ikie.ie_chunk_size;
  for (uint64_t i = 0; i < nstrips; ++i) out.map.extents.push_back(from_kernel(got.ks.kie_strips[i]));
  return out;
}

}  // namespace famfs::mount
