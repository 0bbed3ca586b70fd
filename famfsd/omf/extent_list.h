// The extents (or strips) of a file map: a vector whose first element is
// stored inline. Almost every file has one extent, and replay decodes one
// map per FILE entry into a node that keeps it: with std::vector that was a
// heap allocation (and its 8-byte header, and a free at teardown) per file.
// Grows by doubling onto the heap past one element; any size works (the
// format allows 16, the checks that say so need maps that break the rule).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <utility>
#include <vector>

namespace famfs::omf {

// A contiguous range of device bytes.
struct Extent {
  uint64_t devindex = 0;
  uint64_t offset = 0;
  uint64_t len = 0;
  friend bool operator==(const Extent&, const Extent&) = default;
};

class ExtentList {
 public:
  using value_type = Extent;
  using iterator = Extent*;
  using const_iterator = const Extent*;
  using size_type = size_t;

  ExtentList() : inline_{} {}
  ExtentList(std::initializer_list<Extent> xs) : ExtentList() { assign(xs.begin(), xs.size()); }
  ExtentList(const std::vector<Extent>& xs) : ExtentList() { assign(xs.data(), xs.size()); }  // NOLINT: implicit
  ExtentList(const ExtentList& o) : ExtentList() { assign(o.data(), o.size_); }
  ExtentList(ExtentList&& o) noexcept : ExtentList() { steal(o); }
  ExtentList& operator=(const ExtentList& o) {
    if (this != &o) assign(o.data(), o.size_);
    return *this;
  }
  ExtentList& operator=(ExtentList&& o) noexcept {
    if (this != &o) {
      release();
      steal(o);
    }
    return *this;
  }
  ~ExtentList() { release(); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  Extent* data() { return cap_ == 1 ? &inline_ : heap_; }
  const Extent* data() const { return cap_ == 1 ? &inline_ : heap_; }
  Extent& operator[](size_t i) { return data()[i]; }
  const Extent& operator[](size_t i) const { return data()[i]; }
  Extent& front() { return data()[0]; }
  const Extent& front() const { return data()[0]; }
  Extent& back() { return data()[size_ - 1]; }
  const Extent& back() const { return data()[size_ - 1]; }
  Extent* begin() { return data(); }
  Extent* end() { return data() + size_; }
  const Extent* begin() const { return data(); }
  const Extent* end() const { return data() + size_; }

  void push_back(const Extent& x) {
    if (size_ == cap_) grow(cap_ * 2);
    data()[size_++] = x;
  }
  void reserve(size_t n) {
    if (n > cap_) grow(n);
  }
  void clear() { size_ = 0; }

  friend bool operator==(const ExtentList& a, const ExtentList& b) {
    return a.size_ == b.size_ && std::equal(a.begin(), a.end(), b.begin());
  }

 private:
  void grow(size_t cap) {
    auto* bigger = new Extent[cap];
    std::copy(begin(), end(), bigger);
    release();
    heap_ = bigger;
    cap_ = static_cast<uint32_t>(cap);
  }
  void assign(const Extent* xs, size_t n) {
    size_ = 0;
    reserve(n);
    std::copy(xs, xs + n, data());
    size_ = static_cast<uint32_t>(n);
  }
  void steal(ExtentList& o) {
    if (o.cap_ == 1) {
      inline_ = o.inline_;
    } else {
      heap_ = o.heap_;
      o.inline_ = Extent{};
    }
    size_ = o.size_;
    cap_ = o.cap_;
    o.size_ = 0;
    o.cap_ = 1;
  }
  void release() {
    if (cap_ != 1) delete[] heap_;
    inline_ = Extent{};
    cap_ = 1;
  }

  union {
    Extent inline_;  // cap_ == 1
    Extent* heap_;   // cap_ > 1
  };
  uint32_t size_ = 0;
  uint32_t cap_ = 1;
};

}  // namespace famfs::omf
