// famfs.ko's view of a file map: FileMap + size <-> the MAP_CREATE_V2
// argument (struct famfs_ioc_fmap plus its extent arrays) and the
// MAP_GET_V2 result, laid out exactly as module/include/uapi/linux/famfs_ioctl.h
// says (the build includes that header; the struct sizes are asserted).
// Pure: no system calls.
#pragma once

#include <linux/famfs_ioctl.h>

#include <cstdint>
#include <vector>

#include "omf/log_entry.h"
#include "util/result.h"

namespace famfs::mount {

// The MAP_CREATE_V2 argument with the arrays its user pointers refer to.
// The pointers are 0 until bind_pointers(); copies and moves do not carry
// them over, so bind right before the ioctl.
struct KernelMap {
  famfs_ioc_fmap head{};
  // Simple: the extents in file order. Interleaved: the strips.
  std::vector<famfs_ioc_simple_extent> extents;
  // Interleaved only: exactly one interleaved extent.
  std::vector<famfs_ioc_interleaved_ext> interleaved;

  // Points head.kse (simple) or head.kie and interleaved[0].ie_strips
  // (interleaved) at this object's arrays.
  void bind_pointers();
};

// What MAP_GET_V2 reports for one file.
struct KernelFileMap {
  uint64_t size = 0;
  uint32_t file_type = FAMFS_REG;
  omf::FileMap map;
  friend bool operator==(const KernelFileMap&, const KernelFileMap&) = default;
};

// The MAP_CREATE_V2 argument for a file of SIZE bytes with MAP. Interleaved
// maps carry ie_nbytes = SIZE (as the reference does). invalid_argument when
// the map cannot be expressed: no extents, more than FAMFS_MAX_SIMPLE_EXTENTS
// extents or FAMFS_MAX_STRIPS strips, an interleaved map without chunk size.
// The module checks alignment, overlap and bounds itself.
Result<KernelMap> encode_kernel_map(const omf::FileMap& map, uint64_t size, famfs_file_type type);

// The map MAP_GET_V2 returned. corrupt when its counts exceed the arrays.
Result<KernelFileMap> decode_kernel_map(const famfs_ioc_get_fmap& got);

}  // namespace famfs::mount
