// A fresh famfs on a 1 GiB fake device, formatted by MASTER_, and volumes
// opened on it as any host: the fixture of the volume and batch tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "engine/format.h"
#include "engine/volume.h"
#include "fake_device.h"

namespace famfs::testing {

class FormattedDevice : public ::testing::Test {
 protected:
  void SetUp() override {
    FormatOptions o;
    o.system_uuid = master_;
    o.dev_name = "fake0";
    ASSERT_TRUE(format_device(dev_, o));
  }
  std::unique_ptr<Volume> open_as(const Uuid& who) {
    auto v = Volume::open(dev_, who);
    EXPECT_TRUE(v) << v.error().message();
    return std::move(v.value());
  }

  FakeDevice dev_{1ULL << 30};
  Uuid master_ = Uuid::random();
  Uuid other_ = Uuid::random();
};

}  // namespace famfs::testing
