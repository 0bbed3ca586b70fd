// The permission rules of the D-Bus API (service/permissions.h), table
// driven: the answer must be the kernel's for the same tree and caller.
#include "service/permissions.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace famfs::service {
namespace {

constexpr uint32_t kAlice = 1000, kBob = 1001, kNobody = 65534;
constexpr uint32_t kStaff = 50, kAudio = 63, kAliceGroup = 1000, kBobGroup = 1001;

Caller root() { return Caller{0, 0, {}}; }
Caller alice() { return Caller{kAlice, kAliceGroup, {kStaff}}; }  // staff as a supplementary group
Caller bob() { return Caller{kBob, kBobGroup, {}}; }
Caller bob_in_staff() { return Caller{kBob, kStaff, {}}; }  // staff as the primary group
Caller nobody() { return Caller{kNobody, kNobody, {}}; }

void mkdir(Namespace& ns, const std::string& path, uint32_t uid, uint32_t gid, uint32_t mode) {
  ASSERT_TRUE(ns.add_directory(omf::MkdirEntry{uid, gid, mode, path}, 0).ok()) << path;
}

void mkfile(Namespace& ns, const std::string& path, uint32_t uid, uint32_t gid, uint32_t mode) {
  omf::FileEntry f;
  f.size = 4096;
  f.uid = uid;
  f.gid = gid;
  f.mode = mode;
  f.path = path;
  f.map.type = omf::MapType::simple;
  f.map.extents.push_back(omf::Extent{0, 0, 2u << 20});
  ASSERT_TRUE(ns.add_file(std::move(f), 0).ok()) << path;
}

// The tree every case runs against (root is 0755 root:root, as mounted):
//   pub/             0755 root:root
//   pub/readme       0644 root:root
//   pub/secret       0600 root:root
//   priv/            0700 root:root        (only root gets in)
//   priv/f           0644 root:root
//   staff/           0770 root:staff       (group members only)
//   staff/f          0640 root:staff
//   alice/           0750 alice:staff      (owner full, group r-x)
//   alice/notes      0604 alice:staff      (owner rw, group none, other r)
//   alice/ro/        0550 alice:staff      (nobody may create inside, but root)
//   shared/          0777 root:root
//   shared/denyown   0077 alice:alice      (owner class denies alice)
//   tx/              0711 root:root        (search without read)
//   tx/f             0644 root:root
//   wx/              0733 root:root        (write+search without read)
//   rd/              0744 root:root        (read without search for others)
//   rd/f             0644 root:root
class Permissions : public ::testing::Test {
 protected:
  void SetUp() override {
    mkdir(ns, "pub", 0, 0, 0755);
    mkfile(ns, "pub/readme", 0, 0, 0644);
    mkfile(ns, "pub/secret", 0, 0, 0600);
    mkdir(ns, "priv", 0, 0, 0700);
    mkfile(ns, "priv/f", 0, 0, 0644);
    mkdir(ns, "staff", 0, kStaff, 0770);
    mkfile(ns, "staff/f", 0, kStaff, 0640);
    mkdir(ns, "alice", kAlice, kStaff, 0750);
    mkfile(ns, "alice/notes", kAlice, kStaff, 0604);
    mkdir(ns, "alice/ro", kAlice, kStaff, 0550);
    mkdir(ns, "shared", 0, 0, 0777);
    mkfile(ns, "shared/denyown", kAlice, kAliceGroup, 0077);
    mkdir(ns, "tx", 0, 0, 0711);
    mkfile(ns, "tx/f", 0, 0, 0644);
    mkdir(ns, "wx", 0, 0, 0733);
    mkdir(ns, "rd", 0, 0, 0744);
    mkfile(ns, "rd/f", 0, 0, 0644);
  }
  Namespace ns;
};

// errc to expect, or nullopt for success.
using Expect = std::optional<Errc>;
constexpr Expect kOk = std::nullopt;
constexpr Expect kDenied = Errc::permission_denied;
constexpr Expect kNoEnt = Errc::not_found;
constexpr Expect kNotDir = Errc::not_directory;
constexpr Expect kExists = Errc::exists;

std::string who(const Caller& c) { return "uid " + std::to_string(c.uid); }

template <typename S>
void expect_outcome(const S& s, Expect want, const std::string& what) {
  if (!want) {
    EXPECT_TRUE(s.ok()) << what << ": " << (s.ok() ? "" : s.error().message());
  } else {
    ASSERT_FALSE(s.ok()) << what << ": allowed, expected " << static_cast<int>(*want);
    EXPECT_EQ(s.error().code(), *want) << what << ": " << s.error().message();
  }
}

struct AccessCase {
  Caller caller;
  const char* path;
  unsigned want;
  Expect expect;
};

TEST_F(Permissions, ResolveTable) {
  const std::vector<AccessCase> cases = {
      // Other class on a world-readable tree.
      {nobody(), "", 0, kOk},
      {nobody(), "", kMayRead, kOk},
      {nobody(), "pub", kMayRead, kOk},
      {nobody(), "pub/readme", kMayRead, kOk},
      {nobody(), "pub/readme", kMayWrite, kDenied},
      {nobody(), "pub/secret", 0, kOk},  // stat needs only the walk
      {nobody(), "pub/secret", kMayRead, kDenied},
      {root(), "pub/secret", kMayRead | kMayWrite, kOk},  // root passes mode checks
      // An ancestor without search hides everything below, even names that do not exist.
      {nobody(), "priv", 0, kOk},
      {nobody(), "priv", kMayRead, kDenied},
      {nobody(), "priv/f", 0, kDenied},
      {nobody(), "priv/f", kMayRead, kDenied},
      {nobody(), "priv/missing", 0, kDenied},
      {alice(), "priv/f", 0, kDenied},
      {root(), "priv/f", kMayRead, kOk},
      {root(), "priv/missing", 0, kNoEnt},  // root is not exempt from lookups
      // Group class: primary and supplementary groups both count.
      {alice(), "staff/f", kMayRead, kOk},              // supplementary staff
      {bob_in_staff(), "staff/f", kMayRead, kOk},       // primary staff
      {bob_in_staff(), "staff/f", kMayWrite, kDenied},  // 0640: group has no w
      {bob(), "staff/f", 0, kDenied},                   // other: no x on staff/
      {bob(), "staff", kMayRead, kDenied},
      // Owner class decides for the owner even when group/other would allow more.
      {alice(), "alice/notes", kMayRead | kMayWrite, kOk},
      {bob_in_staff(), "alice/notes", kMayRead, kDenied},  // group class: 0 bits (other would allow r)
      {bob(), "alice/notes", 0, kDenied},                  // other: no x on alice/
      {alice(), "shared/denyown", kMayRead, kDenied},      // 0077 owned by alice
      {bob(), "shared/denyown", kMayRead, kOk},
      // Search without read, read without search.
      {nobody(), "tx/f", kMayRead, kOk},
      {nobody(), "tx", kMayRead, kDenied},
      {nobody(), "rd", kMayRead, kOk},
      {nobody(), "rd/f", 0, kDenied},
      // Not a directory on the way.
      {root(), "pub/readme/x", 0, kNotDir},
      {nobody(), "pub/readme/x", 0, kNotDir},
      {nobody(), "nothere/x", 0, kNoEnt},
      {nobody(), "nothere", 0, kNoEnt},
  };
  for (const AccessCase& c : cases) {
    auto r = resolve(ns, c.caller, c.path, c.want);
    expect_outcome(r, c.expect, who(c.caller) + " " + c.path + " want " + permission_name(c.want, true));
    if (r.ok()) {
      EXPECT_EQ((*r)->path, c.path);
    }
  }
}

struct CreateCase {
  Caller caller;
  const char* path;
  Expect expect;
};

TEST_F(Permissions, CreateTable) {
  const std::vector<CreateCase> cases = {
      {nobody(), "top", kDenied},  // the root is 0755 root:root
      {root(), "top", kOk},
      {nobody(), "pub/new", kDenied},
      {nobody(), "shared/new", kOk},    // 0777
      {nobody(), "wx/new", kOk},        // w+x without r is enough
      {nobody(), "tx/new", kDenied},    // x alone is not
      {nobody(), "priv/new", kDenied},  // no search: denied before anything else
      {alice(), "priv/new", kDenied},
      {root(), "priv/new", kOk},
      {alice(), "staff/new", kOk},         // group rwx via supplementary group
      {bob_in_staff(), "staff/new", kOk},  // via primary group
      {bob(), "staff/new", kDenied},
      {alice(), "alice/new", kOk},
      {bob_in_staff(), "alice/new", kDenied},  // group r-x
      {alice(), "alice/ro/new", kDenied},      // the owner's own 0550
      {root(), "alice/ro/new", kOk},
      {nobody(), "shared/denyown", kExists},  // exists wins over permission, as mkdir(2)
      {nobody(), "pub/readme", kExists},      // and over a parent the caller may not write
      {nobody(), "priv/f", kDenied},          // but not over a parent it may not search
      {root(), "pub/readme/x", kNotDir},
      {root(), "missing/x", kNoEnt},
      {root(), "", kExists},
  };
  for (const CreateCase& c : cases)
    expect_outcome(may_create(ns, c.caller, c.path), c.expect, who(c.caller) + " create " + c.path);
}

// may_remove: unlink(2)/rmdir(2)'s answer (w+x on the parent, the sticky rule).
TEST_F(Permissions, RemoveTable) {
  mkdir(ns, "sticky", 0, 0, 01777);
  mkfile(ns, "sticky/alices", kAlice, kAliceGroup, 0600);
  mkfile(ns, "sticky/roots", 0, 0, 0666);
  mkdir(ns, "bobsticky", kBob, kBobGroup, 01777);
  mkfile(ns, "bobsticky/roots", 0, 0, 0644);
  const std::vector<CreateCase> cases = {
      {nobody(), "pub", kDenied},  // the root is 0755 root:root
      {root(), "pub/readme", kOk},
      {nobody(), "pub/readme", kDenied},  // parent 0755: no write for others
      {alice(), "shared/denyown", kOk},   // 0777 parent: the file's own mode does not matter
      {nobody(), "shared/denyown", kOk},
      {nobody(), "wx/none", kNoEnt},  // w+x on the parent, but nothing there
      {nobody(), "tx/f", kDenied},    // x alone is not enough
      {nobody(), "priv/f", kDenied},  // no search on the parent
      {alice(), "staff/f", kOk},      // group rwx via a supplementary group
      {bob(), "staff/f", kDenied},
      {bob_in_staff(), "alice/notes", kDenied},  // group r-x only
      {alice(), "alice/notes", kOk},
      {alice(), "alice/ro", kOk},          // an empty 0550 directory in one's own 0750 directory
      {alice(), "sticky/alices", kOk},     // sticky: one's own file
      {alice(), "sticky/roots", kDenied},  // sticky: another's file, even 0666
      {bob(), "bobsticky/roots", kOk},     // sticky: the directory's owner
      {root(), "sticky/roots", kOk},
      {root(), "pub/readme/x", kNotDir},
      {root(), "missing/x", kNoEnt},
      {root(), "", Errc::invalid_argument},
  };
  for (const CreateCase& c : cases)
    expect_outcome(may_remove(ns, c.caller, c.path), c.expect, who(c.caller) + " remove " + c.path);
  auto sticky = may_remove(ns, alice(), "sticky/roots");
  ASSERT_FALSE(sticky.ok());
  EXPECT_NE(sticky.error().message().find("sticky"), std::string::npos) << sticky.error().message();
}

// may_remove_from: what rm -r needs on each directory it empties.
TEST_F(Permissions, RemoveFromNeedsReadWriteAndSearchOnTheDirectory) {
  mkdir(ns, "alice/rwx", kAlice, kStaff, 0700);
  mkfile(ns, "alice/rwx/f", 0, 0, 0600);
  mkdir(ns, "alice/wx", kAlice, kStaff, 0300);
  mkfile(ns, "alice/wx/f", kAlice, kStaff, 0600);
  const Node& rwx = *ns.find("alice/rwx");
  const Node& wx = *ns.find("alice/wx");
  const Node& ro = *ns.find("alice/ro");
  EXPECT_TRUE(may_remove_from(alice(), rwx, *ns.find("alice/rwx/f")).ok());  // root's file, alice's directory
  auto no_read = may_remove_from(alice(), wx, *ns.find("alice/wx/f"));
  ASSERT_FALSE(no_read.ok());  // rm -r cannot list it
  EXPECT_NE(no_read.error().message().find("read"), std::string::npos) << no_read.error().message();
  auto no_write = may_remove_from(alice(), ro, *ns.find("alice/notes"));
  ASSERT_FALSE(no_write.ok());
  EXPECT_NE(no_write.error().message().find("write"), std::string::npos) << no_write.error().message();
  EXPECT_FALSE(may_remove_from(bob(), rwx, *ns.find("alice/rwx/f")).ok());
  EXPECT_TRUE(may_remove_from(root(), wx, *ns.find("alice/wx/f")).ok());
}

struct ParentsCase {
  Caller caller;
  const char* path;
  uint32_t mode;
  Expect expect;
  const char* named;  // a text the error must contain ("" for none)
};

TEST_F(Permissions, CreateParentsChecksEveryLevel) {
  const std::vector<ParentsCase> cases = {
      {alice(), "alice/a/b/c", 0755, kOk, ""},
      {alice(), "alice/a/b/c", 0555, kDenied, "'alice/a'"},  // a would be created without w for alice
      {alice(), "alice/a", 0555, kOk, ""},                   // one level: its own mode does not matter
      {bob(), "shared/x/y", 0700, kOk, ""},
      {nobody(), "pub/x/y", 0755, kDenied, "'pub'"},  // the first missing level's parent
      {nobody(), "priv/x/y", 0755, kDenied, "'priv'"},
      {nobody(), "pub", 0755, kOk, ""},               // exists already: fine (mkdir -p)
      {nobody(), "priv", 0755, kOk, ""},              // the walk to it needs only the root's x
      {nobody(), "priv/f", 0755, kDenied, "'priv'"},  // hidden behind priv/
      {root(), "pub/readme", 0755, kNotDir, ""},
      {root(), "pub/readme/x/y", 0755, kNotDir, ""},
      {root(), "alice/ro/x/y", 0, kOk, ""},  // root passes every level
  };
  for (const ParentsCase& c : cases) {
    Status s = may_create_parents(ns, c.caller, c.path, c.caller.uid, c.caller.gid, c.mode);
    std::string what = who(c.caller) + " mkdir -p " + c.path;
    expect_outcome(s, c.expect, what);
    if (!s.ok() && *c.named) {
      EXPECT_NE(s.error().message().find(c.named), std::string::npos) << s.error().message();
    }
  }
}

TEST_F(Permissions, DeniedMessageNamesTheComponentThePermissionAndTheCaller) {
  auto r = resolve(ns, nobody(), "priv/f", kMayRead);
  ASSERT_FALSE(r.ok());
  const std::string& m = r.error().message();
  EXPECT_NE(m.find("'priv'"), std::string::npos) << m;
  EXPECT_NE(m.find("search (x)"), std::string::npos) << m;
  EXPECT_NE(m.find("65534"), std::string::npos) << m;
  EXPECT_EQ(m.find('\n'), std::string::npos) << "one line";

  auto f = resolve(ns, nobody(), "pub/secret", kMayRead);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.error().message().find("read (r) on file 'pub/secret'"), std::string::npos) << f.error().message();

  Status c = may_create(ns, nobody(), "top");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find("write and search (w+x) on the root directory"), std::string::npos)
      << c.error().message();
}

TEST(PermissionBits, ClassesAsGenericPermission) {
  // owner, group, other: each only its own three bits.
  for (uint32_t mode = 0; mode <= 0777; ++mode) {
    for (unsigned want = 1; want <= 7; ++want) {
      const bool owner = ((mode >> 6) & want) == want, group = ((mode >> 3) & want) == want,
                 other = (mode & want) == want;
      EXPECT_EQ(permitted(Caller{kAlice, kAliceGroup, {}}, kAlice, kStaff, mode, want), owner);
      EXPECT_EQ(permitted(Caller{kBob, kBobGroup, {kAudio, kStaff}}, kAlice, kStaff, mode, want), group);
      EXPECT_EQ(permitted(Caller{kBob, kStaff, {}}, kAlice, kStaff, mode, want), group);
      EXPECT_EQ(permitted(Caller{kBob, kBobGroup, {kAudio}}, kAlice, kStaff, mode, want), other);
      EXPECT_TRUE(permitted(Caller{0, 0, {}}, kAlice, kStaff, mode, want));
    }
  }
}

TEST_F(Permissions, EveryoneMaySearchOnlyWhenOtherHasSearchAllTheWay) {
  EXPECT_TRUE(everyone_may_search(ns, ""));
  EXPECT_TRUE(everyone_may_search(ns, "pub"));
  EXPECT_TRUE(everyone_may_search(ns, "tx"));
  EXPECT_FALSE(everyone_may_search(ns, "priv"));
  EXPECT_FALSE(everyone_may_search(ns, "alice/ro"));  // alice/ is 0750
  EXPECT_FALSE(everyone_may_search(ns, "rd"));        // 0744
  EXPECT_FALSE(everyone_may_search(ns, "pub/readme"));
  EXPECT_FALSE(everyone_may_search(ns, "missing"));
}

TEST(PermissionNames, ReadableWords) {
  EXPECT_EQ(permission_name(kMayRead, false), "read (r)");
  EXPECT_EQ(permission_name(kMayExec, true), "search (x)");
  EXPECT_EQ(permission_name(kMayWrite | kMayExec, true), "write and search (w+x)");
  EXPECT_EQ(permission_name(kMayRead | kMayWrite, false), "read and write (r+w)");
}

}  // namespace
}  // namespace famfs::service
