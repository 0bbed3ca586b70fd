// FileMap + size -> the MAP_CREATE_V2 argument, byte for byte as
// module/include/uapi/linux/famfs_ioctl.h lays it out; MAP_GET_V2 -> FileMap.
#include "mount/fmap_codec.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace famfs::mount {
namespace {

constexpr uint64_t kMiB = 1ULL << 20;

using Bytes = std::vector<uint8_t>;

void le(Bytes& b, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

template <typename T>
Bytes bytes_of(const T* p, size_t count = 1) {
  const auto* u = reinterpret_cast<const uint8_t*>(p);
  return Bytes(u, u + sizeof(T) * count);
}

omf::FileMap simple(std::vector<omf::Extent> x) {
  omf::FileMap m;
  m.extents = std::move(x);
  return m;
}

omf::FileMap interleaved(uint64_t chunk, std::vector<omf::Extent> strips) {
  omf::FileMap m;
  m.type = omf::MapType::interleaved;
  m.chunk_size = chunk;
  m.extents = std::move(strips);
  return m;
}

TEST(FmapCodec, SimpleMapEncodesHeaderAndExtentsByteForByte) {
  auto k = encode_kernel_map(simple({{0, 40 * kMiB, 4 * kMiB}, {0, 12 * kMiB, 2 * kMiB}, {0, 80 * kMiB, 2 * kMiB}}),
                             5 * kMiB + 7, FAMFS_REG);
  ASSERT_TRUE(k.ok()) << k.error().message();
  Bytes head;
  le(head, 5 * kMiB + 7, 8);  // fioc_file_size
  le(head, 0, 4);             // fioc_file_type FAMFS_REG
  le(head, 0, 4);             // fioc_ext_type SIMPLE
  le(head, 3, 4);             // fioc_nextents
  le(head, 0, 4);             // fioc_reserved
  le(head, 0, 8);             // kse: bound only right before the ioctl
  EXPECT_EQ(bytes_of(&k->head), head);
  Bytes ext;
  for (auto [off, len] : {std::pair{40 * kMiB, 4 * kMiB}, {12 * kMiB, 2 * kMiB}, {80 * kMiB, 2 * kMiB}}) {
    le(ext, 0, 8);
    le(ext, off, 8);
    le(ext, len, 8);
  }
  EXPECT_EQ(bytes_of(k->extents.data(), k->extents.size()), ext);
  EXPECT_TRUE(k->interleaved.empty());
}

TEST(FmapCodec, InterleavedMapEncodesOneInterleavedExtentWithNbytesTheFileSize) {
  auto k = encode_kernel_map(
      interleaved(4 * kMiB, {{0, 16 * kMiB, 8 * kMiB}, {0, 64 * kMiB, 8 * kMiB}, {0, 128 * kMiB, 8 * kMiB}}),
      20 * kMiB + 1, FAMFS_REG);
  ASSERT_TRUE(k.ok()) << k.error().message();
  Bytes head;
  le(head, 20 * kMiB + 1, 8);
  le(head, 0, 4);
  le(head, 1, 4);  // FAMFS_IOC_EXT_INTERLEAVE
  le(head, 1, 4);  // fioc_niext
  le(head, 0, 4);
  le(head, 0, 8);
  EXPECT_EQ(bytes_of(&k->head), head);
  Bytes ie;
  le(ie, 3, 8);              // ie_nstrips
  le(ie, 4 * kMiB, 8);       // ie_chunk_size
  le(ie, 20 * kMiB + 1, 8);  // ie_nbytes
  le(ie, 0, 8);              // ie_strips (bound later)
  ASSERT_EQ(k->interleaved.size(), 1u);
  EXPECT_EQ(bytes_of(k->interleaved.data()), ie);
  Bytes strips;
  for (uint64_t off : {16 * kMiB, 64 * kMiB, 128 * kMiB}) {
    le(strips, 0, 8);
    le(strips, off, 8);
    le(strips, 8 * kMiB, 8);
  }
  EXPECT_EQ(bytes_of(k->extents.data(), k->extents.size()), strips);
}

TEST(FmapCodec, MetadataFileTypesAreCarried) {
  auto sb = encode_kernel_map(simple({{0, 0, 2 * kMiB}}), 2 * kMiB, FAMFS_SUPERBLOCK);
  auto log = encode_kernel_map(simple({{0, 2 * kMiB, 8 * kMiB}}), 8 * kMiB, FAMFS_LOG);
  ASSERT_TRUE(sb.ok() && log.ok());
  EXPECT_EQ(sb->head.fioc_file_type, 1u);
  EXPECT_EQ(log->head.fioc_file_type, 2u);
  EXPECT_EQ(log->extents[0].offset, 2 * kMiB);
}

TEST(FmapCodec, BindPointersAimsTheUserPointersAtTheArrays) {
  auto s = encode_kernel_map(simple({{0, 40 * kMiB, 2 * kMiB}}), kMiB, FAMFS_REG);
  ASSERT_TRUE(s.ok());
  KernelMap a = *s;
  a.bind_pointers();
  EXPECT_EQ(a.head.kse, reinterpret_cast<uintptr_t>(a.extents.data()));
  auto i =
      encode_kernel_map(interleaved(2 * kMiB, {{0, 16 * kMiB, 2 * kMiB}, {0, 32 * kMiB, 2 * kMiB}}), kMiB, FAMFS_REG);
  ASSERT_TRUE(i.ok());
  KernelMap b = *i;
  b.bind_pointers();
  EXPECT_EQ(b.head.kie, reinterpret_cast<uintptr_t>(b.interleaved.data()));
  EXPECT_EQ(b.interleaved[0].ie_strips, reinterpret_cast<uintptr_t>(b.extents.data()));
}

TEST(FmapCodec, MapsTheModuleCannotTakeAreRefusedBeforeTheIoctl) {
  EXPECT_EQ(encode_kernel_map(simple({}), 0, FAMFS_REG).error().code(), Errc::invalid_argument);
  std::vector<omf::Extent> many;
  for (uint64_t i = 0; i < 17; ++i) many.push_back({0, (10 + 2 * i) * kMiB, 2 * kMiB});
  EXPECT_EQ(encode_kernel_map(simple(many), kMiB, FAMFS_REG).error().code(), Errc::invalid_argument);
  many.pop_back();
  EXPECT_TRUE(encode_kernel_map(simple(many), kMiB, FAMFS_REG).ok()) << "16 extents is the module's limit";
  many.push_back({0, 200 * kMiB, 2 * kMiB});
  EXPECT_EQ(encode_kernel_map(interleaved(2 * kMiB, many), kMiB, FAMFS_REG).error().code(), Errc::invalid_argument);
  EXPECT_EQ(encode_kernel_map(interleaved(0, {{0, 16 * kMiB, 2 * kMiB}}), kMiB, FAMFS_REG).error().code(),
            Errc::invalid_argument);
}

TEST(FmapCodec, GetFmapDecodesSimpleAndInterleavedMaps) {
  famfs_ioc_get_fmap g{};
  g.iocmap.fioc_file_size = 3 * kMiB;
  g.iocmap.fioc_ext_type = FAMFS_IOC_EXT_SIMPLE;
  g.iocmap.fioc_nextents = 2;
  g.ikse[0] = {0, 20 * kMiB, 2 * kMiB};
  g.ikse[1] = {0, 10 * kMiB, 2 * kMiB};
  auto s = decode_kernel_map(g);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->size, 3 * kMiB);
  EXPECT_EQ(s->map, simple({{0, 20 * kMiB, 2 * kMiB}, {0, 10 * kMiB, 2 * kMiB}}));

  famfs_ioc_get_fmap i{};
  i.iocmap.fioc_file_size = 5 * kMiB;
  i.iocmap.fioc_ext_type = FAMFS_IOC_EXT_INTERLEAVE;
  i.iocmap.fioc_niext = 1;
  i.ks.ikie = {2, 2 * kMiB, 5 * kMiB, 0};
  i.ks.kie_strips[0] = {0, 16 * kMiB, 4 * kMiB};
  i.ks.kie_strips[1] = {0, 32 * kMiB, 4 * kMiB};
  auto d = decode_kernel_map(i);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->map, interleaved(2 * kMiB, {{0, 16 * kMiB, 4 * kMiB}, {0, 32 * kMiB, 4 * kMiB}}));

  g.iocmap.fioc_nextents = 17;
  EXPECT_EQ(decode_kernel_map(g).error().code(), Errc::corrupt);
  i.ks.ikie.ie_nstrips = 0;
  EXPECT_EQ(decode_kernel_map(i).error().code(), Errc::corrupt);
  i.iocmap.fioc_ext_type = 7;
  EXPECT_EQ(decode_kernel_map(i).error().code(), Errc::corrupt);
}

}  // namespace
}  // namespace famfs::mount
