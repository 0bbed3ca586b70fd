/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * famfs - file system for memory shared by several hosts
 *
 * User/kernel interface of famfs.ko. Binary compatible with the famfs
 * "KABI 43" (v2) interface of the reference famfs tools: same ioctl
 * numbers, same structure sizes and field offsets on 64-bit hosts.
 *
 * User pointers are carried in __u64 fields so the header compiles the
 * same way in C, C++ and the kernel and the layout does not depend on the
 * compiler's pointer size. On x86_64/arm64 these fields sit exactly where
 * the reference header has its pointer members. Assign them with
 * (__u64)(uintptr_t)ptr.
 */
#ifndef _UAPI_LINUX_FAMFS_IOCTL_H
#define _UAPI_LINUX_FAMFS_IOCTL_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define FAMFS_KABI_VERSION		43

/* statfs(2) f_type of a famfs mount */
#define FAMFS_SUPER_MAGIC		0x87B282FE

/* Extents in the v1 map (struct famfs_ioc_map) */
#define FAMFS_MAX_EXTENTS		2
/* Simple extents in a v2 map */
#define FAMFS_MAX_SIMPLE_EXTENTS	16
/* Strips of one interleaved extent */
#define FAMFS_MAX_STRIPS		16
/* Interleaved extents in a v2 map */
#define FAMFS_IOC_MAX_INTERLEAVED_EXTENTS 1

/* Every extent offset and length is a multiple of this (2 MiB) */
#define FAMFS_ALLOC_UNIT		0x200000ULL
/* The superblock occupies [0, FAMFS_LOG_OFFSET); the log starts here */
#define FAMFS_LOG_OFFSET		0x200000ULL
/* Smallest log length accepted for a FAMFS_LOG file */
#define FAMFS_MIN_LOG_LEN		0x800000ULL

/* fioc_file_type / file_type */
enum famfs_file_type {
	FAMFS_REG = 0,		/* ordinary data file */
	FAMFS_SUPERBLOCK = 1,	/* maps the superblock region [0, 2 MiB) */
	FAMFS_LOG = 2,		/* maps the log [2 MiB, 2 MiB + log_len) */
};

/* fioc_ext_type */
enum famfs_ioc_ext_type {
	FAMFS_IOC_EXT_SIMPLE = 0,
	FAMFS_IOC_EXT_INTERLEAVE = 1,
};

/* One contiguous range of a device: 24 bytes */
struct famfs_ioc_simple_extent {
	__u64 devindex;		/* must be 0: one device per mount */
	__u64 offset;		/* byte offset in the device */
	__u64 len;		/* bytes */
};

/*
 * One interleaved extent: 32 bytes. File chunk n of this extent lives in
 * strip (n % ie_nstrips) at strip offset (n / ie_nstrips) * ie_chunk_size.
 */
struct famfs_ioc_interleaved_ext {
	__u64 ie_nstrips;	/* 1 .. FAMFS_MAX_STRIPS */
	__u64 ie_chunk_size;	/* power of two, multiple of 2 MiB */
	__u64 ie_nbytes;	/* file bytes this extent holds */
	__u64 ie_strips;	/* user pointer: famfs_ioc_simple_extent[nstrips] */
};

/*
 * Argument of FAMFSIOC_MAP_CREATE_V2: 32 bytes.
 * For FAMFS_IOC_EXT_SIMPLE fioc_nextents/kse describe the extent list, for
 * FAMFS_IOC_EXT_INTERLEAVE fioc_niext/kie (same storage) describe the
 * interleaved extents. Anonymous unions only (no anonymous structs), so
 * the header is also clean under C++ -Wpedantic.
 */
struct famfs_ioc_fmap {
	__u64 fioc_file_size;
	__u32 fioc_file_type;	/* enum famfs_file_type */
	__u32 fioc_ext_type;	/* enum famfs_ioc_ext_type */
	union {
		__u32 fioc_nextents;	/* simple: number of extents */
		__u32 fioc_niext;	/* interleaved: number of extents */
	};
	__u32 fioc_reserved;	/* alignment padding, ignored */
	union {
		__u64 kse;	/* user ptr: famfs_ioc_simple_extent[] */
		__u64 kie;	/* user ptr: famfs_ioc_interleaved_ext[] */
	};
};

/*
 * Result of FAMFSIOC_MAP_GET_V2: 448 bytes, self-contained (no pointers
 * are followed). For a simple map ikse[0 .. fioc_nextents) holds the
 * extents; for an interleaved map ks.ikie holds the interleaved extent and
 * ks.kie_strips[0 .. ie_nstrips) its strips (ks.ikie.ie_strips is 0).
 * ikse has room for FAMFS_MAX_SIMPLE_EXTENTS entries inside the union; the
 * union's size (and so the ioctl number) is the reference's.
 */
struct famfs_ioc_get_fmap {
	struct famfs_ioc_fmap iocmap;
	union {
		struct famfs_ioc_simple_extent ikse[FAMFS_MAX_SIMPLE_EXTENTS];
		struct {
			struct famfs_ioc_interleaved_ext ikie;
			struct famfs_ioc_simple_extent kie_strips[FAMFS_MAX_STRIPS];
		} ks;
	};
};

/* ---- v1 (KABI 42) forms, kept for old tools ---- */

enum famfs_extent_type {
	SIMPLE_DAX_EXTENT = 0,
	INTERLEAVED_EXTENT = 1,
	INVALID_EXTENT_TYPE = 2,
};

/* v1 extent: 16 bytes, devindex implied 0 */
struct famfs_extent {
	__u64 offset;
	__u64 len;
};

/* Argument of FAMFSIOC_MAP_CREATE and result of FAMFSIOC_MAP_GET: 56 bytes */
struct famfs_ioc_map {
	__u32 extent_type;	/* enum famfs_extent_type; only SIMPLE_DAX_EXTENT */
	__u32 file_type;	/* enum famfs_file_type */
	__u64 file_size;
	__u64 ext_list_count;	/* 1 .. FAMFS_MAX_EXTENTS */
	struct famfs_extent ext_list[FAMFS_MAX_EXTENTS];
};

/* ---- shutdown and state (famfs.ko extensions, not in the reference) ---- */

/* famfs_ioc_state.fs_state flags */
#define FAMFS_STATE_SHUTDOWN	0x1	/* data access ends: read/write EIO, faults SIGBUS */
#define FAMFS_STATE_RELEASED	0x2	/* mappings zapped, no device reference held */

/* famfs_ioc_state.fs_reason: why the mount was shut down (the first cause) */
enum famfs_shutdown_reason {
	FAMFS_REASON_NONE = 0,		/* not shut down */
	FAMFS_REASON_ADMIN = 1,		/* FAMFSIOC_SHUTDOWN */
	FAMFS_REASON_MEMORY_FAILURE = 2,	/* pmem: the kernel reported poisoned memory */
	FAMFS_REASON_DEVICE_GONE = 3,	/* the device is being unbound or removed */
};

/*
 * Result of FAMFSIOC_GET_STATE: 32 bytes. fs_fail_offset/fs_fail_len: the
 * first memory failure the kernel reported (device byte offset and length;
 * 0/0 for other reasons).
 */
struct famfs_ioc_state {
	__u32 fs_state;		/* FAMFS_STATE_* */
	__u32 fs_reason;	/* enum famfs_shutdown_reason */
	__u64 fs_fail_offset;
	__u64 fs_fail_len;
	__u64 fs_reserved;	/* 0 */
};

/* ---- removal and orphans (famfs.ko extensions, not in the reference) ---- */

/* famfs_ioc_remove.fr_kind: what the caller expects the name to be */
enum famfs_remove_kind {
	FAMFS_REMOVE_FILE = 0,		/* a regular file (EISDIR for a directory) */
	FAMFS_REMOVE_DIR = 1,		/* an empty directory (ENOTDIR for a file) */
};

/* fr_name holds one component: at most this many bytes, NUL terminated */
#define FAMFS_REMOVE_NAME_MAX	255

/*
 * Argument of FAMFSIOC_REMOVE: 272 bytes. Issued on a directory of the
 * mount (the root or any other); removes the entry fr_name of that
 * directory. fr_name is one path component (no '/', not "." or "..",
 * 1..FAMFS_REMOVE_NAME_MAX bytes, NUL terminated inside the array).
 * fr_cookie is recorded in a removed regular file that has a map and is
 * reported by FAMFSIOC_GET_ORPHANS while its inode lives (famfsd passes
 * the index of the log's DELETE entry).
 */
struct famfs_ioc_remove {
	__u64 fr_cookie;
	__u32 fr_kind;		/* enum famfs_remove_kind */
	__u32 fr_flags;		/* 0 */
	char fr_name[FAMFS_REMOVE_NAME_MAX + 1];
};

/* One removed file whose inode is still alive: 16 bytes */
struct famfs_ioc_orphan {
	__u64 fo_cookie;	/* fr_cookie of its FAMFSIOC_REMOVE */
	__u64 fo_ino;		/* its inode number (st_ino while it was linked) */
};

/*
 * Argument and result of FAMFSIOC_GET_ORPHANS: 24 bytes. In: fo_buf, a
 * user pointer to fo_capacity entries (fo_capacity 0: only fo_total is
 * answered; at most FAMFS_ORPHANS_MAX). Out: fo_count entries written, in
 * removal order, and fo_total, the removed files still alive in the mount
 * (fo_total > fo_count: the buffer was too small; ask again with more).
 */
struct famfs_ioc_orphans {
	__u64 fo_buf;		/* user ptr: famfs_ioc_orphan[fo_capacity] */
	__u32 fo_capacity;
	__u32 fo_count;
	__u32 fo_total;
	__u32 fo_reserved;	/* 0 in, 0 out */
};

/* Largest fo_capacity accepted (EINVAL above) */
#define FAMFS_ORPHANS_MAX	65536

#define FAMFSIOC_MAGIC 'u'

/* v1 */
#define FAMFSIOC_MAP_CREATE	_IOW(FAMFSIOC_MAGIC, 0x50, struct famfs_ioc_map)
#define FAMFSIOC_MAP_GET	_IOR(FAMFSIOC_MAGIC, 0x51, struct famfs_ioc_map)
/* copies out famfs_extent[ext_list_count] (simple maps only) */
#define FAMFSIOC_MAP_GETEXT	_IOR(FAMFSIOC_MAGIC, 0x52, struct famfs_extent)
#define FAMFSIOC_NOP		_IO(FAMFSIOC_MAGIC, 0x53)

/* v2 */
#define FAMFSIOC_MAP_CREATE_V2	_IOW(FAMFSIOC_MAGIC, 0x54, struct famfs_ioc_fmap)
#define FAMFSIOC_MAP_GET_V2	_IOR(FAMFSIOC_MAGIC, 0x55, struct famfs_ioc_get_fmap)

/*
 * On the root directory or any file of a mount. SHUTDOWN (CAP_SYS_ADMIN,
 * EPERM otherwise): like ext4/XFS "going down": every mapping of every file
 * is zapped, later read/write fail with EIO and faults with SIGBUS, and the
 * module drops its device references (an unbind or namespace removal no
 * longer waits for the mount); umount still works. Idempotent.
 * GET_STATE: anyone who can open a file of the mount.
 */
#define FAMFSIOC_SHUTDOWN	_IO(FAMFSIOC_MAGIC, 0x56)
#define FAMFSIOC_GET_STATE	_IOR(FAMFSIOC_MAGIC, 0x57, struct famfs_ioc_state)

/*
 * REMOVE (CAP_SYS_ADMIN, EPERM otherwise): on a directory of the mount,
 * the only way to take a name out of a famfs mount: unlink(2), rmdir(2)
 * and rename(2) answer EPERM to everyone, root included, so the namespace
 * changes only as famfsd applies the log. GET_ORPHANS: any caller, on any
 * file or directory of the mount (it reveals cookies and inode numbers).
 */
#define FAMFSIOC_REMOVE		_IOW(FAMFSIOC_MAGIC, 0x58, struct famfs_ioc_remove)
#define FAMFSIOC_GET_ORPHANS	_IOWR(FAMFSIOC_MAGIC, 0x59, struct famfs_ioc_orphans)

#endif /* _UAPI_LINUX_FAMFS_IOCTL_H */
