/* SPDX-License-Identifier: GPL-2.0 */
/*
 * famfs VM tests: shared declarations of the guest test program.
 *
 * The program runs as root inside a qemu guest (static binary in the test
 * initramfs). Every check prints exactly one line on stdout:
 *   PASS <tag>: <name>
 *   FAIL <tag>: <name>: <detail>
 * The host (tests/vm/run.sh) counts these lines.
 */
#ifndef FAMFS_VMTEST_H
#define FAMFS_VMTEST_H

#define _GNU_SOURCE
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/famfs_ioctl.h>

#define KiB ((uint64_t)1024)
#define MiB ((uint64_t)1024 * 1024)
#define SZ_2M (2 * MiB)

/* where the init script puts famfs.ko inside the guest */
#define FAMFS_KO_PATH "/lib/modules/famfs.ko"

/* ---- reporting (vm_util.c) ---- */
extern char g_tag[64];
extern int g_pass, g_fail;
void set_tag(const char *tag);
bool report(bool ok, const char *name, const char *detail_fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* rc < 0 with errno == want (want != 0), or rc >= 0 (want == 0) */
bool expect_rc(long rc, int want, const char *name_fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *errname(int e);
void info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void drain_stdout(void);

/* ---- the raw device: O_DIRECT on a pmem block device, mmap on devdax ---- */
struct rawdev {
	bool devdax;
	int fd;
	uint64_t size;		/* bytes */
	uint8_t *map;		/* devdax: whole device, 2 MiB multiple */
	uint8_t *bounce;	/* pmem: aligned bounce buffer */
};
extern struct rawdev g_raw;
int raw_open(bool devdax, const char *dev);
void raw_close(void);
/* off and len multiples of 4 KiB; return 0 or -1 (errno set) */
int raw_read(uint64_t off, void *buf, uint64_t len);
int raw_write(uint64_t off, const void *buf, uint64_t len);
/* device size of a pmem block device or a /dev/daxX.Y */
uint64_t dev_size_of(const char *dev);

/* ---- patterns: 64-bit words derived from (seed, word index) ---- */
void pattern(void *buf, uint64_t len, uint64_t seed);
void *xalloc(uint64_t len);	/* 4 KiB aligned, zeroed, exits on failure */
/* first differing byte or -1 */
int64_t first_diff(const void *a, const void *b, uint64_t len);

/* ---- the test's own model of a file map ---- */
struct tmap {
	uint32_t ftype;		/* enum famfs_file_type */
	bool interleaved;
	uint64_t size;		/* file size */
	uint32_t n;		/* extents (simple) or strips (interleaved) */
	uint64_t off[FAMFS_MAX_SIMPLE_EXTENTS];
	uint64_t len[FAMFS_MAX_SIMPLE_EXTENTS];
	uint64_t chunk;		/* interleaved */
	uint64_t nbytes;	/* interleaved */
};
/* file bytes the map can hold */
uint64_t tmap_capacity(const struct tmap *m);
/* device bytes the map covers (what statfs counts) */
uint64_t tmap_devbytes(const struct tmap *m);
/* device offset of file offset pos; *run = contiguous bytes from there */
uint64_t tmap_dev(const struct tmap *m, uint64_t pos, uint64_t *run);
/* MAP_CREATE_V2 for m: ioctl's return value */
int tmap_create(int fd, const struct tmap *m);
/* does MAP_GET_V2 on fd return exactly m? (0 yes, else -1 with detail) */
int tmap_compare_get(int fd, const struct tmap *m, char *detail, size_t dlen);

/* copy file bytes [0, len) of buf to the device locations m names */
int tmap_raw_write(const struct tmap *m, const uint8_t *buf, uint64_t len);
/* read device locations of file bytes [from, to) into buf + from */
int tmap_raw_read(const struct tmap *m, uint8_t *buf, uint64_t from,
		  uint64_t to);

/* ---- processes, modules, mounts ---- */
/* run fn(arg) in a child; returns its wait status */
int run_child(int (*fn)(void *), void *arg);
/* 1 if touching addr (read or write) in a child dies of SIGBUS, 0 if not */
int touch_sigbus(volatile uint8_t *addr, bool write);
int famfs_load(void);		/* finit_module of FAMFS_KO_PATH */
int famfs_unload(void);		/* delete_module("famfs", O_NONBLOCK) */
bool famfs_registered(void);	/* "famfs" in /proc/filesystems */
int mount_famfs(const char *dev, const char *mnt, unsigned long flags,
		const char *opts);
bool is_mounted(const char *mnt);
long minflt(void);
double now_sec(void);
int write_file(const char *path, const char *text);

/* ---- the namespace (vm_names.c) ---- */
/* MNT/NAME created and mapped with m; fd or -1 (reported) */
int make_mapped_file(const char *mnt, const char *name, const struct tmap *m);
/* FAMFSIOC_REMOVE of NAME in the open directory DIRFD: ioctl's return */
int famfs_remove_name(int dirfd, const char *name, uint32_t kind, uint64_t cookie);
/* FAMFSIOC_REMOVE of PATH's last component from its parent: ioctl's return */
int famfs_remove(const char *path, uint32_t kind, uint64_t cookie);
int famfs_rm(const char *path);		/* a file, cookie 0 */
int famfs_rmdir(const char *path);	/* a directory */
/* FAMFSIOC_GET_ORPHANS on MNT: entries written (or -1), *total all of them */
int famfs_orphans(const char *mnt, struct famfs_ioc_orphan *buf, uint32_t cap, uint32_t *total);
/* 1 when COOKIE is among MNT's orphans, 0 when not, -1 on error */
int famfs_orphan_has(const char *mnt, uint64_t cookie);

/* ---- the test groups ---- */
int cmd_fs(bool devdax, const char *dev, const char *mnt);
int cmd_mount_errors(const char *pmem, const char *mnt);
int cmd_small_dev(const char *dev, const char *mnt);
int cmd_hwpoison(const char *dev, const char *mnt);
/* vm_remove.c: the shutdown ioctl, device removal while mapped */
int cmd_shutdown(bool devdax, const char *dev, const char *mnt);
int cmd_remove(const char *kind, const char *dev, const char *mnt, const char *ns);
/* vm_delete.c: unlink/rmdir/rename refused, FAMFSIOC_REMOVE, GET_ORPHANS */
int cmd_delete(bool devdax, const char *dev, const char *mnt);
int cmd_async(const char *dev, const char *mnt);
int cmd_stress(const char *dev, const char *mnt, int seconds);
int cmd_bench(const char *dev, const char *mnt);
int cmd_share(bool write, bool devdax, const char *dev, const char *mnt);
int cmd_interop(bool devdax, const char *dev, const char *mnt);
/* vm_famfsd.c: byte checks for the famfsd guests */
int cmd_pattern_file(const char *path, uint64_t size, uint64_t seed);
int cmd_mmap_cmp(const char *tag, const char *file, const char *src);
int cmd_raw_cmp(const char *tag, bool devdax, const char *dev, const char *file, const char *src);
int cmd_mmap_put(const char *file, uint64_t off, const char *text);
int cmd_poison(const char *file, uint64_t off);
int cmd_bench_mmap(const char *tag, const char *file, const char *dev);
int cmd_now(void);
int cmd_memcpy_bw(uint64_t mib);
int cmd_mmap_wait(const char *tag, const char *name, const char *file, uint64_t off, const char *text,
		  int seconds);
/* vm_hold.c: a mapping held across a removal on another host */
int cmd_mmap_hold(const char *tag, const char *file, const char *src, const char *ping_path, uint64_t state_off,
		  uint64_t go_off, int seconds);
int cmd_orphans(const char *mnt);
/* vm_tree.c: the trees of the client-start benchmark */
int cmd_mktree(const char *dir, uint64_t ntop, uint64_t nsub, uint64_t nfiles, uint64_t bytes);
int cmd_count_tree(const char *dir);
int cmd_copy_parts(const char *src, const char *dev);

#endif /* FAMFS_VMTEST_H */
