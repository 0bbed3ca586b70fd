#include "command_line.h"

#include <gtest/gtest.h>

namespace famfs::cli {
namespace {

Request parse_ok(std::vector<std::string> args) {
  auto r = parse_command_line(args);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
  return r.ok() ? *r : Request{};
}

std::string parse_error(std::vector<std::string> args) {
  auto r = parse_command_line(args);
  EXPECT_FALSE(r.ok());
  return r.ok() ? "" : r.error().message();
}

TEST(CliCommandLine, GlobalOptionsBeforeTheCommand) {
  Request r = parse_ok({"-d", "dax0.0", "--json", "--timeout", "2.5", "status"});
  EXPECT_EQ(r.global.instance, "dax0.0");
  EXPECT_TRUE(r.global.json);
  ASSERT_TRUE(r.global.timeout_seconds);
  EXPECT_DOUBLE_EQ(*r.global.timeout_seconds, 2.5);
  EXPECT_EQ(r.command, Command::status);
  EXPECT_TRUE(r.operands.empty());
}

TEST(CliCommandLine, GlobalOptionsAlsoAfterTheCommandAndInAttachedForms) {
  Request r = parse_ok({"ls", "-ddax1.0", "--json", "--timeout=3", "-l", "/dir"});
  EXPECT_EQ(r.global.instance, "dax1.0");
  EXPECT_TRUE(r.global.json);
  EXPECT_DOUBLE_EQ(*r.global.timeout_seconds, 3.0);
  EXPECT_TRUE(r.long_listing);
  EXPECT_EQ(r.operands, std::vector<std::string>{"/dir"});
}

TEST(CliCommandLine, CreateTakesSizesModesOwnersAndLayout) {
  Request r = parse_ok({"create", "a/b", "--size", "4G", "--mode", "0640", "--uid", "1000", "--gid=100", "--nstrips",
                        "4", "--chunk-size", "2M", "--no-zero"});
  EXPECT_EQ(r.command, Command::create);
  EXPECT_EQ(r.operands, std::vector<std::string>{"a/b"});
  EXPECT_EQ(r.size, 4ull << 30);
  EXPECT_EQ(r.mode, 0640u);
  EXPECT_EQ(r.uid, 1000u);
  EXPECT_EQ(r.gid, 100u);
  EXPECT_EQ(r.nstrips, 4u);
  EXPECT_EQ(r.chunk_size, 2u << 20);
  EXPECT_TRUE(r.no_zero);
}

TEST(CliCommandLine, CreateWithoutSizeIsAUsageError) {
  EXPECT_NE(parse_error({"create", "a"}).find("--size is required"), std::string::npos);
}

TEST(CliCommandLine, InterleaveOptionsGoTogether) {
  EXPECT_NE(parse_error({"create", "a", "-s", "4M", "--nstrips", "2"}).find("go together"), std::string::npos);
  EXPECT_NE(parse_error({"cp", "x", "y", "--chunk-size", "2M"}).find("go together"), std::string::npos);
}

TEST(CliCommandLine, FormatTakesLogSizeAndForceWhichDefaultToUnsetAndOff) {
  Request r = parse_ok({"format", "--log-size", "16M", "--force"});
  EXPECT_EQ(r.command, Command::format);
  EXPECT_EQ(r.log_size, 16u << 20);
  EXPECT_TRUE(r.force);
  Request plain = parse_ok({"format"});
  EXPECT_FALSE(plain.log_size);
  EXPECT_FALSE(plain.force);
}

TEST(CliCommandLine, MkdirParentsAndCpRecursiveAcceptShortClusters) {
  Request m = parse_ok({"mkdir", "-p", "--mode", "700", "x/y"});
  EXPECT_TRUE(m.parents);
  EXPECT_EQ(m.mode, 0700u);
  Request c = parse_ok({"cp", "-R", "src", "other", "dest"});
  EXPECT_TRUE(c.recursive);
  EXPECT_EQ(c.operands, (std::vector<std::string>{"src", "other", "dest"}));
  Request j = parse_ok({"ls", "-ld", "dax0.0"});
  EXPECT_TRUE(j.long_listing);
  EXPECT_EQ(j.global.instance, "dax0.0");
}

TEST(CliCommandLine, DoubleDashEndsOptions) {
  Request r = parse_ok({"stat", "--", "-odd-name"});
  EXPECT_EQ(r.operands, std::vector<std::string>{"-odd-name"});
}

TEST(CliCommandLine, OptionOfAnotherCommandIsRejected) {
  std::string e = parse_error({"ls", "--size", "4M"});
  EXPECT_NE(e.find("ls: unknown option --size"), std::string::npos) << e;
  EXPECT_NE(parse_error({"mkdir", "-r", "x"}).find("unknown option --recursive"), std::string::npos);
  EXPECT_NE(parse_error({"--size", "4M", "create", "x"}).find("needs a command before it"), std::string::npos);
}

TEST(CliCommandLine, UnknownThingsAreUsageErrors) {
  EXPECT_NE(parse_error({"frobnicate"}).find("unknown command \"frobnicate\""), std::string::npos);
  EXPECT_NE(parse_error({"--bogus", "list"}).find("unknown option --bogus"), std::string::npos);
  EXPECT_NE(parse_error({"-x", "list"}).find("unknown option -x"), std::string::npos);
  EXPECT_NE(parse_error({}).find("missing command"), std::string::npos);
  EXPECT_NE(parse_error({"--json"}).find("missing command"), std::string::npos);
}

TEST(CliCommandLine, OperandCountsAreChecked) {
  EXPECT_NE(parse_error({"stat"}).find("stat: missing PATH"), std::string::npos);
  EXPECT_NE(parse_error({"status", "x"}).find("unexpected argument \"x\""), std::string::npos);
  EXPECT_NE(parse_error({"ls", "a", "b"}).find("unexpected argument \"b\""), std::string::npos);
  EXPECT_NE(parse_error({"cp", "a"}).find("needs a source and a destination"), std::string::npos);
  EXPECT_TRUE(parse_command_line({"ls"}).ok());
}

TEST(CliCommandLine, BadValuesNameTheOption) {
  EXPECT_NE(parse_error({"create", "a", "--size", "4X"}).find("--size: invalid size \"4X\""), std::string::npos);
  EXPECT_NE(parse_error({"create", "a", "-s", "1M", "--mode", "0999"}).find("--mode: invalid mode"), std::string::npos);
  EXPECT_NE(parse_error({"create", "a", "-s", "1M", "--uid", "-1"}).find("--uid: invalid uid"), std::string::npos);
  EXPECT_NE(parse_error({"--timeout", "soon", "list"}).find("--timeout: invalid timeout"), std::string::npos);
  EXPECT_NE(parse_error({"list", "-d"}).find("-d needs a value"), std::string::npos);
  EXPECT_NE(parse_error({"list", "--timeout"}).find("--timeout needs a value"), std::string::npos);
  EXPECT_NE(parse_error({"list", "--json=yes"}).find("takes no value"), std::string::npos);
}

TEST(CliCommandLine, HelpAndVersionNeedNothingElse) {
  Request h = parse_ok({"--help"});
  EXPECT_TRUE(h.show_help);
  EXPECT_FALSE(h.command);
  Request ch = parse_ok({"create", "--help"});
  EXPECT_TRUE(ch.show_help);
  EXPECT_EQ(ch.command, Command::create);  // no --size needed for help
  EXPECT_TRUE(parse_ok({"-V"}).show_version);
}

TEST(CliCommandLine, FamfsPathStripsExactlyOneLeadingSlash) {
  EXPECT_EQ(famfs_path("/a/b"), "a/b");
  EXPECT_EQ(famfs_path("a/b"), "a/b");
  EXPECT_EQ(famfs_path("/"), "");
  EXPECT_EQ(famfs_path(""), "");
  EXPECT_EQ(famfs_path("//a"), "/a");  // famfsd rejects it as InvalidPath
}

TEST(CliCommandLine, ModeIsOctalUpTo7777) {
  EXPECT_EQ(*parse_mode("644"), 0644u);
  EXPECT_EQ(*parse_mode("0755"), 0755u);
  EXPECT_EQ(*parse_mode("0o600"), 0600u);
  EXPECT_EQ(*parse_mode("4755"), 04755u);
  for (const char* bad : {"", "8", "rw", "17777", "-1", "0o"}) EXPECT_FALSE(parse_mode(bad).ok()) << bad;
}

TEST(CliCommandLine, U32AndSecondsParsing) {
  EXPECT_EQ(*parse_u32("0", "uid"), 0u);
  EXPECT_EQ(*parse_u32("4294967295", "uid"), 4294967295u);
  for (const char* bad : {"", "4294967296", "12a", "-3", "99999999999"})
    EXPECT_FALSE(parse_u32(bad, "uid").ok()) << bad;
  // --uid and --gid also take names from the user database.
  EXPECT_EQ(*parse_owner("root", true), 0u);
  EXPECT_EQ(*parse_owner("root", false), 0u);
  EXPECT_EQ(*parse_owner("1234", false), 1234u);
  auto unknown = parse_owner("no-such-group-famfs", false);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message().find("no such group"), std::string::npos) << unknown.error().message();
  EXPECT_FALSE(parse_owner("", true).ok());
  EXPECT_DOUBLE_EQ(*parse_seconds("0"), 0.0);
  EXPECT_DOUBLE_EQ(*parse_seconds("0.25"), 0.25);
  for (const char* bad : {"", "-1", "nan", "inf", "1s", "1e12"}) EXPECT_FALSE(parse_seconds(bad).ok()) << bad;
}

TEST(CliCommandLine, CommandNamesRoundTrip) {
  EXPECT_EQ(all_commands().size(), 16u);
  for (Command c : all_commands()) EXPECT_EQ(command_by_name(command_name(c)), c);
  EXPECT_FALSE(command_by_name("LIST"));
}

TEST(CliCommandLine, RmTakesPathsAndRecursiveAndFormatEnableDelete) {
  Request r = parse_ok({"rm", "-r", "a", "/b/c"});
  EXPECT_EQ(r.command, Command::rm);
  EXPECT_TRUE(r.recursive);
  EXPECT_EQ(r.operands, (std::vector<std::string>{"a", "/b/c"}));
  EXPECT_FALSE(parse_ok({"rm", "a"}).recursive);
  EXPECT_FALSE(parse_command_line({"rm"}).ok());                       // needs a PATH
  EXPECT_FALSE(parse_command_line({"rm", "--size", "1M", "a"}).ok());  // not an rm option
  EXPECT_TRUE(parse_ok({"format", "--enable-delete"}).enable_delete);
  EXPECT_FALSE(parse_command_line({"create", "--enable-delete", "--size", "1M", "a"}).ok());
}

TEST(CliCommandLine, JobsHelpCatPartsAndVerboseCopies) {
  EXPECT_TRUE(parse_ok({"jobs"}).operands.empty());
  Request cancel = parse_ok({"jobs", "cancel", "7"});
  EXPECT_EQ(cancel.command, Command::jobs);
  EXPECT_EQ(cancel.operands, (std::vector<std::string>{"cancel", "7"}));
  EXPECT_NE(parse_error({"jobs", "stop", "7"}).find("unknown subcommand"), std::string::npos);
  EXPECT_NE(parse_error({"jobs", "cancel"}).find("needs the job number"), std::string::npos);
  EXPECT_NE(parse_error({"jobs", "cancel", "x"}).find("job number"), std::string::npos);
  EXPECT_EQ(parse_ok({"help", "cp"}).command, Command::help);
  EXPECT_NE(parse_error({"help", "frobnicate"}).find("unknown command"), std::string::npos);
  Request cat = parse_ok({"cat", "--offset", "2M", "--length=10", "f"});
  EXPECT_EQ(cat.offset, 2u << 20);
  EXPECT_EQ(cat.length, 10u);
  EXPECT_NE(parse_error({"ls", "--offset", "1", "d"}).find("unknown option --offset"), std::string::npos);
  Request cp = parse_ok({"cp", "-rv", "a", "b"});
  EXPECT_TRUE(cp.verbose && cp.recursive);
  EXPECT_TRUE(parse_ok({"cp", "famfs:a", "famfs:b", "/tmp"}).operands.size() == 3);
  EXPECT_NE(parse_error({"cp", "famfs:a", "b", "/tmp"}).find("either every SRC"), std::string::npos);
  EXPECT_NE(parse_error({"cp", "a", "famfs:b"}).find("famfs path already"), std::string::npos);
}

TEST(CliCommandLine, HostsAndHostsForget) {
  Request r = parse_ok({"hosts"});
  EXPECT_EQ(r.command, Command::hosts);
  EXPECT_TRUE(r.operands.empty());
  r = parse_ok({"--json", "hosts", "forget", "11111111-2222-4333-8444-555555555555"});
  ASSERT_EQ(r.operands.size(), 2u);
  EXPECT_EQ(r.operands[1], "11111111-2222-4333-8444-555555555555");
  EXPECT_EQ(parse_error({"hosts", "forget"}), "hosts forget: missing UUID (or the number of a damaged slot)");
  r = parse_ok({"hosts", "forget", "77"});
  EXPECT_EQ(r.operands[1], "77");
  EXPECT_NE(parse_error({"hosts", "remove", "x"}).find("unknown subcommand \"remove\""), std::string::npos);
  EXPECT_NE(parse_error({"hosts", "forget", "a", "b"}).find("unexpected argument"), std::string::npos);
}

}  // namespace
}  // namespace famfs::cli
