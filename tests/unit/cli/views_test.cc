#include "views.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace famfs::cli {
namespace {

using Extents = std::vector<sdbus::Struct<uint64_t, uint64_t, uint64_t>>;
using Problems = std::vector<sdbus::Struct<int64_t, std::string, std::string>>;

PropertyMap status_properties() {
  return {
      {"Device", sdbus::Variant(std::string("/dev/dax0.0"))},
      {"Instance", sdbus::Variant(std::string("dax0.0"))},
      {"DeviceSize", sdbus::Variant(uint64_t{16ull << 30})},
      {"State", sdbus::Variant(std::string("degraded"))},
      {"StateReason", sdbus::Variant(std::string("1 bad log entry"))},
      {"Role", sdbus::Variant(std::string("master"))},
      {"Uuid", sdbus::Variant(std::string("u-1"))},
      {"SystemUuid", sdbus::Variant(std::string("s-1"))},
      {"MasterSystemUuid", sdbus::Variant(std::string("s-1"))},
      {"MountPoint", sdbus::Variant(std::string(""))},
      {"Backend", sdbus::Variant(std::string("none"))},
      {"LogEntries", sdbus::Variant(uint64_t{12})},
      {"LogCapacity", sdbus::Variant(uint64_t{30839})},
      {"Files", sdbus::Variant(uint64_t{10})},
      {"Directories", sdbus::Variant(uint64_t{2})},
      {"AllocatedBytes", sdbus::Variant(uint64_t{(3ull << 30) / 2})},
      {"FreeBytes", sdbus::Variant(uint64_t{(29ull << 30) / 2})},
      {"Problems", sdbus::Variant(Problems{{7, "bad_crc", "entry 7 fails its CRC"}})},
      {"PollIntervalMs", sdbus::Variant(uint32_t{10})},
      {"FutureThing", sdbus::Variant(std::string("shown too"))},
  };
}

TEST(CliViews, StatusTextIsHumanFriendly) {
  std::string text = render_status_text("org.famfs.Famfs1.dax0_0", status_properties());
  EXPECT_NE(text.find("Instance:            dax0.0 (org.famfs.Famfs1.dax0_0)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Device:              /dev/dax0.0 (16 GiB)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("State:               degraded: 1 bad log entry\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Mount point:         -\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Log:                 12 of 30839 entries used\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Space:               1.5 GiB allocated, 14.5 GiB free\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Poll interval:       10 ms\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Problems:            1\n  [log 7] bad_crc: entry 7 fails its CRC\n"), std::string::npos) << text;
  EXPECT_NE(text.find("FutureThing:         shown too\n"), std::string::npos) << text;
}

TEST(CliViews, StatusJsonKeepsRawValuesUnderSnakeCaseKeys) {
  auto j = render_status_json("org.famfs.Famfs1.dax0_0", status_properties());
  EXPECT_EQ(j["device_size"], 16ull << 30);
  EXPECT_EQ(j["state"], "degraded");
  EXPECT_EQ(j["bus_name"], "org.famfs.Famfs1.dax0_0");
  EXPECT_EQ(j["problems"][0]["kind"], "bad_crc");
  EXPECT_EQ(j["poll_interval_ms"], 10);
  EXPECT_FALSE(j.contains("State"));
}

TEST(CliViews, JsonKeysAreSnakeCase) {
  EXPECT_EQ(json_key("MasterSystemUuid"), "master_system_uuid");
  EXPECT_EQ(json_key("PollIntervalMs"), "poll_interval_ms");
  EXPECT_EQ(json_key("Uuid"), "uuid");
  EXPECT_EQ(json_key("HTTPServer"), "http_server");
  EXPECT_EQ(json_key("log_index"), "log_index");
  EXPECT_EQ(json_key("Device2Size"), "device2_size");
}

TEST(CliViews, ListTextAndJson) {
  std::vector<InstanceRow> rows = {
      {"org.famfs.Famfs1.dax0_0",
       {{"Instance", sdbus::Variant(std::string("dax0.0"))},
        {"Device", sdbus::Variant(std::string("/dev/dax0.0"))},
        {"State", sdbus::Variant(std::string("ready"))},
        {"Role", sdbus::Variant(std::string("master"))}},
       ""},
      {"org.famfs.Famfs1.pmem0", {}, "Connection timed out"},
  };
  EXPECT_EQ(render_list_text(rows),
            "INSTANCE  DEVICE       STATE                              ROLE\n"
            "dax0.0    /dev/dax0.0  ready                              master\n"
            "pmem0     -            unreachable: Connection timed out  -\n");
  auto j = render_list_json(rows);
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["instance"], "dax0.0");
  EXPECT_EQ(j[0]["role"], "master");
  EXPECT_EQ(j[1]["error"], "Connection timed out");
  EXPECT_EQ(render_list_json({}).dump(), "[]");
}

TEST(CliViews, LsShortAndLong) {
  std::vector<DirEntry> entries = {{"data", "dir", 0, 0755, 0, 0}, {"f.bin", "file", 4194304, 0640, 1000, 100}};
  EXPECT_EQ(render_ls_text(entries, false), "data\nf.bin\n");
  EXPECT_EQ(render_ls_text(entries, true),
            "MODE         UID  GID   SIZE  NAME\n"
            "drwxr-xr-x     0    0      -  data\n"
            "-rw-r-----  1000  100  4 MiB  f.bin\n");
  // A directory readable but not searchable: names and types only.
  std::vector<DirEntry> hidden = {{"x", "file", 0, 0, 4294967295u, 4294967295u}};
  EXPECT_EQ(render_ls_text(hidden, true),
            "MODE        UID  GID  SIZE  NAME\n"
            "-?????????    ?    ?     ?  x\n");
  auto j = render_ls_json("", entries);
  EXPECT_EQ(j["path"], "");
  EXPECT_EQ(j["entries"][1]["size"], 4194304);
  EXPECT_EQ(j["entries"][1]["mode"], 0640);
  EXPECT_EQ(render_ls_text({}, true), "");
}

TEST(CliViews, StatText) {
  PropertyMap info = {{"path", sdbus::Variant(std::string("a/f"))},
                      {"type", sdbus::Variant(std::string("file"))},
                      {"size", sdbus::Variant(uint64_t{5000000})},
                      {"mode", sdbus::Variant(uint32_t{0644})},
                      {"uid", sdbus::Variant(uint32_t{0})},
                      {"gid", sdbus::Variant(uint32_t{0})},
                      {"flags", sdbus::Variant(uint32_t{2})},
                      {"log_index", sdbus::Variant(uint64_t{3})},
                      {"allocated", sdbus::Variant(uint64_t{6291456})}};
  std::string text = render_stat_text(info);
  EXPECT_EQ(text,
            "Path:       a/f\n"
            "Type:       file\n"
            "Size:       5000000 (4.8 MiB)\n"
            "Allocated:  6291456 (6 MiB)\n"
            "Mode:       0644 (-rw-r--r--)\n"
            "Uid:        0\n"
            "Gid:        0\n"
            "Flags:      0x2\n"
            "Log index:  3\n");
}

TEST(CliViews, GetmapSimpleAndInterleaved) {
  PropertyMap simple = {{"type", sdbus::Variant(std::string("simple"))},
                        {"extents", sdbus::Variant(Extents{{0, 0x1000000, 4194304}, {0, 0x2000000, 2097152}})}};
  std::string text = render_getmap_text("f", simple);
  EXPECT_NE(text.find("Type: simple\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Extents: 2, 6 MiB in all\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  0         0  0x1000000  4194304 (4 MiB)\n"), std::string::npos) << text;
  PropertyMap interleaved = {{"type", sdbus::Variant(std::string("interleaved"))},
                             {"nstrips", sdbus::Variant(uint32_t{2})},
                             {"chunk_size", sdbus::Variant(uint64_t{2097152})},
                             {"strips", sdbus::Variant(Extents{{0, 0x400000, 2097152}, {0, 0x600000, 2097152}})}};
  text = render_getmap_text("g", interleaved);
  EXPECT_NE(text.find("Strips: 2\nChunk size: 2097152 (2 MiB)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Strip extents: 2, 4 MiB in all\n"), std::string::npos) << text;
}

TEST(CliViews, CheckCleanAndWithProblems) {
  PropertyMap clean = {{"clean", sdbus::Variant(true)},           {"problems", sdbus::Variant(Problems{})},
                       {"files", sdbus::Variant(uint64_t{3})},    {"dirs", sdbus::Variant(uint64_t{1})},
                       {"log_used", sdbus::Variant(uint64_t{4})}, {"log_capacity", sdbus::Variant(uint64_t{100})}};
  EXPECT_TRUE(check_is_clean(clean));
  std::string text = render_check_text(clean);
  EXPECT_NE(text.find("Result:             clean\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Log:                4 of 100 entries used\n"), std::string::npos) << text;
  PropertyMap bad = clean;
  bad["clean"] = sdbus::Variant(false);
  bad["problems"] = sdbus::Variant(Problems{{-1, "orphan", "space allocated to nothing"}});
  EXPECT_FALSE(check_is_clean(bad));
  text = render_check_text(bad);
  EXPECT_NE(text.find("problems found"), std::string::npos);
  EXPECT_NE(text.find("  orphan: space allocated to nothing\n"), std::string::npos) << text;
  EXPECT_FALSE(check_is_clean({}));
}

TEST(CliViews, MonitorEventLines) {
  setenv("TZ", "UTC", 1);
  tzset();
  MonitorEvent created{1714566896789, "FileCreated", {{"path", "a/b"}, {"size", uint64_t{4194304}}}};
  EXPECT_EQ(render_event_text(created), "12:34:56.789 FileCreated path=a/b size=4194304 (4 MiB)");
  EXPECT_EQ(render_event_json(created),
            R"({"path":"a/b","signal":"FileCreated","size":4194304,"time":"2024-05-01T12:34:56.789+00:00"})");
  MonitorEvent state{1714566896789, "StateChanged", {{"state", "failed"}, {"reason", "memory error at 0x1000"}}};
  EXPECT_EQ(render_event_text(state), "12:34:56.789 StateChanged state=failed reason=\"memory error at 0x1000\"");
  MonitorEvent props{
      1714566896789,
      "PropertiesChanged",
      {{"changed", {{"Files", 3}, {"FreeBytes", 4194304}, {"State", "ready"}}}, {"invalidated", {"Problems"}}}};
  EXPECT_EQ(render_event_text(props),
            "12:34:56.789 PropertiesChanged Files=3 FreeBytes=4194304 (4 MiB) State=ready Problems=(invalidated)");
  EXPECT_EQ(render_event_json(props),
            R"({"changed":{"files":3,"free_bytes":4194304,"state":"ready"},"invalidated":["problems"],)"
            R"("signal":"PropertiesChanged","time":"2024-05-01T12:34:56.789+00:00"})");
}

TEST(CliViews, JsonSurvivesInvalidUtf8) {
  nlohmann::json j = {{"name", std::string("bad\xff")}};
  EXPECT_NO_THROW(dump_json(j, true));
}

using HostStructs =
    std::vector<sdbus::Struct<std::string, std::string, std::string, std::string, uint64_t, uint64_t, uint64_t>>;
using OldHostStructs =
    std::vector<sdbus::Struct<std::string, std::string, std::string, std::string, uint64_t, uint64_t>>;

PropertyMap hosts_properties(bool alive) {
  const uint64_t now_us = 1'700'000'000'000'000;
  return {
      {"LogEntries", sdbus::Variant(uint64_t{40})},
      {"MasterAlive", sdbus::Variant(alive)},
      {"MasterLastSeen", sdbus::Variant(now_us - 500'000)},
      {"Hosts", sdbus::Variant(HostStructs{{"m-uuid", "node-a", "master", "ready", 42, now_us - 500'000, 42},
                                           {"c-uuid", "node-b", "client", "stale", 30, now_us - 90'000'000, 17}})},
  };
}

TEST(CliViews, HostsTextShowsMasterRoleStateLagAndAge) {
  std::string text = render_hosts_text(hosts_properties(true), 1'700'000'000'000);
  EXPECT_EQ(text.rfind("Master: alive (last beat 0.5 s ago)\n", 0), 0u) << text;
  EXPECT_NE(text.find("SYSTEM UUID  HOSTNAME  ROLE    STATE  APPLIED  BEHIND  RELEASED  LAST SEEN"), std::string::npos)
      << text;
  // The lag is counted from the furthest host (42), not the instance's LogEntries (40).
  EXPECT_NE(text.find("m-uuid       node-a    master  ready       42       0        42  0.5 s ago"), std::string::npos)
      << text;
  EXPECT_NE(text.find("c-uuid       node-b    client  stale       30      12        17  1 min ago"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("does not validate"), std::string::npos) << text;
  std::string dead = render_hosts_text(hosts_properties(false), 1'700'000'000'000);
  EXPECT_EQ(dead.rfind("Master: not beating (last beat 0.5 s ago)\n", 0), 0u) << dead;
  EXPECT_EQ(render_hosts_text({}, 0), "Master: unknown (famfsd without a host registry)\nno hosts registered\n");
}

TEST(CliViews, HostsJsonCarriesEveryField) {
  auto j = render_hosts_json(hosts_properties(true), 1'700'000'000'000);
  EXPECT_EQ(j["master_alive"], true);
  EXPECT_EQ(j["log_entries"], 42);
  ASSERT_EQ(j["hosts"].size(), 2u);
  EXPECT_EQ(j["hosts"][1]["system_uuid"], "c-uuid");
  EXPECT_EQ(j["hosts"][1]["role"], "client");
  EXPECT_EQ(j["hosts"][1]["state"], "stale");
  EXPECT_EQ(j["hosts"][1]["applied"], 30);
  EXPECT_EQ(j["hosts"][1]["behind"], 12);
  EXPECT_EQ(j["hosts"][1]["last_seen_us"], 1'700'000'000'000'000 - 90'000'000);
  EXPECT_EQ(j["hosts"][1]["released"], 17);
  EXPECT_TRUE(j["damaged_slots"].empty());
}

TEST(CliViews, HostsShowDamagedSlotsAndHowToClearThem) {
  PropertyMap p = hosts_properties(true);
  p["DamagedHostSlots"] = sdbus::Variant(std::vector<sdbus::Struct<uint32_t, std::string>>{{77, "bad CRC"}});
  std::string text = render_hosts_text(p, 1'700'000'000'000);
  EXPECT_NE(text.find("slot 77 does not validate (bad CRC): it may be a host and holds removed files' memory "
                      "(famfsctl hosts forget 77)\n"),
            std::string::npos)
      << text;
  auto j = render_hosts_json(p, 1'700'000'000'000);
  ASSERT_EQ(j["damaged_slots"].size(), 1u);
  EXPECT_EQ(j["damaged_slots"][0]["slot"], 77);
  EXPECT_EQ(j["damaged_slots"][0]["problem"], "bad CRC");
}

TEST(CliViews, HostsOfAnOlderFamfsdHaveNoReleasedIndex) {
  PropertyMap p = hosts_properties(true);
  p["Hosts"] = sdbus::Variant(OldHostStructs{{"m-uuid", "node-a", "master", "ready", 42, 1'700'000'000'000'000}});
  auto j = render_hosts_json(p, 1'700'000'000'000);
  ASSERT_EQ(j["hosts"].size(), 1u);
  EXPECT_TRUE(j["hosts"][0]["released"].is_null());
  EXPECT_NE(render_hosts_text(p, 1'700'000'000'000).find("      42       0         -  "), std::string::npos);
}

TEST(CliViews, StatusShowsWhetherTheMasterBeats) {
  PropertyMap p = status_properties();
  for (auto& [k, v] : hosts_properties(false)) p[k] = v;
  std::string text = render_status_text("org.famfs.Famfs1.dax0_0", p);
  EXPECT_NE(text.find("Master:              not beating (last beat"), std::string::npos) << text;
  EXPECT_NE(text.find("Hosts:               2 registered (famfsctl hosts)\n"), std::string::npos) << text;
  auto j = render_status_json("org.famfs.Famfs1.dax0_0", p);
  EXPECT_EQ(j["master_alive"], false);
  EXPECT_EQ(j["hosts"][0]["hostname"], "node-a");
}

}  // namespace
}  // namespace famfs::cli
