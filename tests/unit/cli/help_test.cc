#include "help.h"

#include <gtest/gtest.h>

#include "exit_codes.h"
#include "option_table.h"

namespace famfs::cli {
namespace {

TEST(CliHelp, GeneralHelpListsEveryCommandOptionAndExitCode) {
  std::string help = general_help();
  for (Command c : all_commands())
    EXPECT_NE(help.find("famfsctl " + std::string(command_name(c))), std::string::npos) << command_name(c);
  for (const auto& o : option_table())
    EXPECT_NE(help.find("--" + std::string(o.long_name)), std::string::npos) << o.long_name;
  for (const auto& e : exit_code_table())
    EXPECT_NE(help.find(std::to_string(to_int(e.code)) + "  " + e.meaning), std::string::npos) << e.meaning;
  EXPECT_NE(help.find("One\n  leading '/' is accepted and dropped"), std::string::npos);
}

TEST(CliHelp, CommandHelpShowsOnlyItsOwnOptions) {
  std::string create = command_help(Command::create);
  EXPECT_NE(create.find("--size SIZE"), std::string::npos);
  EXPECT_NE(create.find("--no-zero"), std::string::npos);
  EXPECT_EQ(create.find("--recursive"), std::string::npos);
  EXPECT_NE(create.find("--timeout"), std::string::npos) << "global options are listed too";
  std::string cp = command_help(Command::cp);
  EXPECT_NE(cp.find("Ctrl-C cancels"), std::string::npos);
  EXPECT_NE(cp.find("-r, --recursive"), std::string::npos);
}

}  // namespace
}  // namespace famfs::cli
