// SPDX-License-Identifier: GPL-2.0
/*
 * famfs VM tests, one mounted device (vm_fs.c runs them): the errno table
 * of the MAP ioctls (v1 and v2).
 */
#include "vm_fs.h"


#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>


/* ---- errno table: MAP ioctls ---- */

int v2_simple(int fd, uint64_t size, uint32_t ftype, uint32_t n,
		     const struct famfs_ioc_simple_extent *se)
{
	struct famfs_ioc_fmap f;

	memset(&f, 0, sizeof(f));
	f.fioc_file_size = size;
	f.fioc_file_type = ftype;
	f.fioc_ext_type = FAMFS_IOC_EXT_SIMPLE;
	f.fioc_nextents = n;
	f.kse = (uint64_t)(uintptr_t)se;
	return ioctl(fd, FAMFSIOC_MAP_CREATE_V2, &f);
}

static int v2_il(int fd, uint64_t size, uint32_t niext,
		 const struct famfs_ioc_interleaved_ext *ie)
{
	struct famfs_ioc_fmap f;

	memset(&f, 0, sizeof(f));
	f.fioc_file_size = size;
	f.fioc_file_type = FAMFS_REG;
	f.fioc_ext_type = FAMFS_IOC_EXT_INTERLEAVE;
	f.fioc_niext = niext;
	f.kie = (uint64_t)(uintptr_t)ie;
	return ioctl(fd, FAMFSIOC_MAP_CREATE_V2, &f);
}

/* interleaved extent with n strips of len at base + i * 20M */
static void il_setup(struct famfs_ioc_interleaved_ext *ie,
		     struct famfs_ioc_simple_extent *st, uint32_t n,
		     uint64_t chunk, uint64_t len, uint64_t base)
{
	uint32_t i;

	memset(st, 0, sizeof(*st) * FAMFS_MAX_STRIPS * 2);
	for (i = 0; i < n && i < FAMFS_MAX_STRIPS * 2; i++) {
		st[i].offset = base + i * 20 * MiB;
		st[i].len = len;
	}
	ie->ie_nstrips = n;
	ie->ie_chunk_size = chunk;
	ie->ie_nbytes = len * n;
	ie->ie_strips = (uint64_t)(uintptr_t)st;
}

int v1_create(int fd, uint32_t etype, uint32_t ftype, uint64_t size,
		     uint64_t count, uint64_t o0, uint64_t l0, uint64_t o1,
		     uint64_t l1)
{
	struct famfs_ioc_map m;

	memset(&m, 0, sizeof(m));
	m.extent_type = etype;
	m.file_type = ftype;
	m.file_size = size;
	m.ext_list_count = count;
	m.ext_list[0].offset = o0;
	m.ext_list[0].len = l0;
	m.ext_list[1].offset = o1;
	m.ext_list[1].len = l1;
	return ioctl(fd, FAMFSIOC_MAP_CREATE, &m);
}

static int eperm_child(void *arg)
{
	int fd = *(int *)arg;
	struct famfs_ioc_simple_extent se = { 0, 230 * MiB, SZ_2M };
	struct famfs_ioc_get_fmap g;
	int bad = 0;

	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return 100;
	if (!(v2_simple(fd, SZ_2M, FAMFS_REG, 1, &se) < 0 && errno == EPERM))
		bad |= 1;
	if (!(v1_create(fd, SIMPLE_DAX_EXTENT, FAMFS_REG, SZ_2M, 1,
			230 * MiB, SZ_2M, 0, 0) < 0 && errno == EPERM))
		bad |= 2;
	/* reading a map needs no privilege (the file has none yet: ENODATA) */
	if (!(ioctl(fd, FAMFSIOC_MAP_GET_V2, &g) < 0 && errno == ENODATA))
		bad |= 4;
	return bad;
}

void ioctl_errno_tests(void)
{
	struct famfs_ioc_simple_extent se[FAMFS_MAX_SIMPLE_EXTENTS + 2];
	struct famfs_ioc_simple_extent st[FAMFS_MAX_STRIPS * 2];
	struct famfs_ioc_interleaved_ext ie;
	struct famfs_ioc_get_fmap g;
	struct famfs_ioc_map m1;
	uint64_t used_before = statfs_used();
	uint64_t end2m = (g_devsize + SZ_2M - 1) & ~(SZ_2M - 1);
	struct stat sb;
	int fd, dfd, st_rc, i;
	const uint64_t F = 230 * MiB;	/* a free, valid place */

	fd = create_empty("victim");
	if (fd < 0) {
		report(false, "create victim", "%s", errname(errno));
		return;
	}

	/* privilege */
	st_rc = run_child(eperm_child, &fd);
	report(WIFEXITED(st_rc) && WEXITSTATUS(st_rc) == 0,
	       "MAP_CREATE_V2 and MAP_CREATE without CAP_SYS_ADMIN -> EPERM, MAP_GET_V2 allowed",
	       "child status %#x (bits: 1 v2, 2 v1, 4 get)", st_rc);

	/* ioctl on a directory, unknown ioctl, NOP */
	dfd = open(g_mnt, O_RDONLY | O_DIRECTORY);
	expect_rc(ioctl(dfd, FAMFSIOC_MAP_GET_V2, &g), ENOTTY, "MAP_GET_V2 on a directory -> ENOTTY");
	expect_rc(ioctl(dfd, FAMFSIOC_MAP_CREATE_V2, &g), ENOTTY, "MAP_CREATE_V2 on a directory -> ENOTTY");
	close(dfd);
	expect_rc(ioctl(fd, _IO(FAMFSIOC_MAGIC, 0x60)), ENOTTY, "unknown ioctl -> ENOTTY");
	expect_rc(ioctl(fd, FAMFSIOC_NOP), 0, "FAMFSIOC_NOP -> 0");

	/* no map yet */
	expect_rc(ioctl(fd, FAMFSIOC_MAP_GET_V2, &g), ENODATA, "MAP_GET_V2 without a map -> ENODATA");
	expect_rc(ioctl(fd, FAMFSIOC_MAP_GET, &m1), ENODATA, "MAP_GET without a map -> ENODATA");
	expect_rc(ioctl(fd, FAMFSIOC_MAP_GETEXT, se), ENODATA, "MAP_GETEXT without a map -> ENODATA");

	/* bad user pointers */
	memset(se, 0, sizeof(se));
	expect_rc(ioctl(fd, FAMFSIOC_MAP_CREATE_V2, (void *)16), EFAULT, "MAP_CREATE_V2 argument pointer bad -> EFAULT");
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_REG, 1, (void *)16), EFAULT, "MAP_CREATE_V2 kse pointer bad -> EFAULT");
	expect_rc(v2_il(fd, SZ_2M, 1, (void *)16), EFAULT, "MAP_CREATE_V2 kie pointer bad -> EFAULT");
	il_setup(&ie, st, 2, SZ_2M, SZ_2M, F);
	ie.ie_strips = 16;
	expect_rc(v2_il(fd, SZ_2M, 1, &ie), EFAULT, "MAP_CREATE_V2 strip pointer bad -> EFAULT");
	expect_rc(ioctl(fd, FAMFSIOC_MAP_CREATE, (void *)16), EFAULT, "MAP_CREATE argument pointer bad -> EFAULT");

	/* counts */
	for (i = 0; i < FAMFS_MAX_SIMPLE_EXTENTS + 1; i++) {
		se[i].offset = F + i * SZ_2M;
		se[i].len = SZ_2M;
	}
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_REG, 0, se), EINVAL, "simple map with 0 extents -> EINVAL");
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_REG, FAMFS_MAX_SIMPLE_EXTENTS + 1, se), E2BIG, "simple map with 17 extents -> E2BIG");
	il_setup(&ie, st, 2, SZ_2M, SZ_2M, F);
	expect_rc(v2_il(fd, SZ_2M, 0, &ie), EINVAL, "interleaved map with 0 interleaved extents -> EINVAL");
	expect_rc(v2_il(fd, SZ_2M, 2, &ie), E2BIG, "interleaved map with 2 interleaved extents -> E2BIG");
	il_setup(&ie, st, 0, SZ_2M, SZ_2M, F);
	expect_rc(v2_il(fd, SZ_2M, 1, &ie), EINVAL, "interleaved extent with 0 strips -> EINVAL");
	il_setup(&ie, st, FAMFS_MAX_STRIPS + 1, SZ_2M, SZ_2M, 0);
	for (i = 0; i < FAMFS_MAX_STRIPS + 1; i++)
		st[i].offset = F + i * SZ_2M;
	expect_rc(v2_il(fd, SZ_2M, 1, &ie), E2BIG, "interleaved extent with 17 strips -> E2BIG");
	expect_rc(v1_create(fd, SIMPLE_DAX_EXTENT, FAMFS_REG, SZ_2M, 0, F, SZ_2M, 0, 0), EINVAL, "v1 map with 0 extents -> EINVAL");
	expect_rc(v1_create(fd, SIMPLE_DAX_EXTENT, FAMFS_REG, SZ_2M, 3, F, SZ_2M, F + SZ_2M, SZ_2M), E2BIG, "v1 map with 3 extents -> E2BIG");

	/* EINVAL: types, devindex, alignment, lengths, overlap */
	se[0] = (struct famfs_ioc_simple_extent){ 0, F, SZ_2M };
	expect_rc(v2_simple(fd, SZ_2M, 3, 1, se), EINVAL, "unknown file_type -> EINVAL");
	{
		struct famfs_ioc_fmap f;

		memset(&f, 0, sizeof(f));
		f.fioc_file_size = SZ_2M;
		f.fioc_ext_type = 2;
		f.fioc_nextents = 1;
		f.kse = (uint64_t)(uintptr_t)se;
		expect_rc(ioctl(fd, FAMFSIOC_MAP_CREATE_V2, &f), EINVAL, "unknown ext_type -> EINVAL");
	}
	se[0] = (struct famfs_ioc_simple_extent){ 1, F, SZ_2M };
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_REG, 1, se), EINVAL, "devindex 1 -> EINVAL");
	se[0] = (struct famfs_ioc_simple_extent){ 0, F + 4096, SZ_2M };
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_REG, 1, se), EINVAL, "offset not 2 MiB aligned -> EINVAL");
	se[0] = (struct famfs_ioc_simple_extent){ 0, F, SZ_2M + 4096 };
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_REG, 1, se), EINVAL, "length not a 2 MiB multiple -> EINVAL");
	se[0] = (struct famfs_ioc_simple_extent){ 0, F, SZ_2M };
	se[1] = (struct famfs_ioc_simple_extent){ 0, F + 4 * MiB, 0 };
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_REG, 2, se), EINVAL, "zero-length extent -> EINVAL");
	se[0] = (struct famfs_ioc_simple_extent){ 0, F, 4 * MiB };
	se[1] = (struct famfs_ioc_simple_extent){ 0, F + SZ_2M, 4 * MiB };
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_REG, 2, se), EINVAL, "overlapping extents -> EINVAL");
	se[1] = (struct famfs_ioc_simple_extent){ 0, F, SZ_2M };
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_REG, 2, se), EINVAL, "the same extent twice -> EINVAL");
	se[0] = (struct famfs_ioc_simple_extent){ 0, F, SZ_2M };
	expect_rc(v2_simple(fd, SZ_2M + 1, FAMFS_REG, 1, se), EINVAL, "file_size > mapped bytes -> EINVAL");
	se[0] = (struct famfs_ioc_simple_extent){ 0, 0, SZ_2M };
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_REG, 1, se), EINVAL, "regular file on the superblock -> EINVAL");
	se[0] = (struct famfs_ioc_simple_extent){ 0, 4 * MiB, SZ_2M };
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_REG, 1, se), EINVAL, "regular file inside the log -> EINVAL");
	se[0] = (struct famfs_ioc_simple_extent){ 0, F, SZ_2M };
	se[1] = (struct famfs_ioc_simple_extent){ 0, 8 * MiB, 4 * MiB };
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_REG, 2, se), EINVAL, "second extent reaching into the log -> EINVAL");
	se[0] = (struct famfs_ioc_simple_extent){ 0, 0, 4 * MiB };
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_SUPERBLOCK, 1, se), EINVAL, "superblock file of 4 MiB -> EINVAL");
	se[0] = (struct famfs_ioc_simple_extent){ 0, SZ_2M, SZ_2M };
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_SUPERBLOCK, 1, se), EINVAL, "superblock file not at 0 -> EINVAL");
	se[0] = (struct famfs_ioc_simple_extent){ 0, SZ_2M, 6 * MiB };
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_LOG, 1, se), EINVAL, "log file shorter than 8 MiB -> EINVAL");
	se[0] = (struct famfs_ioc_simple_extent){ 0, 4 * MiB, 8 * MiB };
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_LOG, 1, se), EINVAL, "log file not at 2 MiB -> EINVAL");
	se[0] = (struct famfs_ioc_simple_extent){ 0, SZ_2M, 8 * MiB };
	se[1] = (struct famfs_ioc_simple_extent){ 0, F, SZ_2M };
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_LOG, 2, se), EINVAL, "log file with 2 extents -> EINVAL");

	/* EINVAL: interleave geometry */
	il_setup(&ie, st, 2, 3 * MiB, 6 * MiB, F);
	expect_rc(v2_il(fd, SZ_2M, 1, &ie), EINVAL, "chunk size not a power of two -> EINVAL");
	il_setup(&ie, st, 2, MiB, SZ_2M, F);
	expect_rc(v2_il(fd, SZ_2M, 1, &ie), EINVAL, "chunk size below 2 MiB -> EINVAL");
	il_setup(&ie, st, 2, SZ_2M, SZ_2M, F);
	st[1].len = 4 * MiB;
	expect_rc(v2_il(fd, SZ_2M, 1, &ie), EINVAL, "strips of different lengths -> EINVAL");
	il_setup(&ie, st, 2, 4 * MiB, 6 * MiB, F);
	expect_rc(v2_il(fd, SZ_2M, 1, &ie), EINVAL, "strip length not a chunk multiple -> EINVAL");
	il_setup(&ie, st, 2, SZ_2M, SZ_2M, F);
	st[1].offset += 4096;
	expect_rc(v2_il(fd, SZ_2M, 1, &ie), EINVAL, "strip offset not 2 MiB aligned -> EINVAL");
	il_setup(&ie, st, 2, SZ_2M, SZ_2M, F);
	st[1].devindex = 1;
	expect_rc(v2_il(fd, SZ_2M, 1, &ie), EINVAL, "strip devindex 1 -> EINVAL");
	il_setup(&ie, st, 2, SZ_2M, SZ_2M, F);
	st[1].offset = st[0].offset;
	expect_rc(v2_il(fd, SZ_2M, 1, &ie), EINVAL, "overlapping strips -> EINVAL");
	il_setup(&ie, st, 2, SZ_2M, SZ_2M, F);
	ie.ie_nbytes = 0;
	expect_rc(v2_il(fd, 0, 1, &ie), EINVAL, "ie_nbytes 0 -> EINVAL");
	il_setup(&ie, st, 2, SZ_2M, SZ_2M, F);
	ie.ie_nbytes = 4 * MiB + 4096;
	expect_rc(v2_il(fd, SZ_2M, 1, &ie), EINVAL, "ie_nbytes > strips -> EINVAL");
	il_setup(&ie, st, 2, SZ_2M, SZ_2M, F);
	ie.ie_nbytes = 3 * MiB;
	expect_rc(v2_il(fd, 3 * MiB + 1, 1, &ie), EINVAL, "file_size > ie_nbytes -> EINVAL");
	il_setup(&ie, st, 2, SZ_2M, SZ_2M, 0);
	expect_rc(v2_il(fd, SZ_2M, 1, &ie), EINVAL, "strip on the superblock -> EINVAL");
	{
		struct famfs_ioc_fmap f;

		il_setup(&ie, st, 1, SZ_2M, SZ_2M, 0);
		memset(&f, 0, sizeof(f));
		f.fioc_file_size = SZ_2M;
		f.fioc_file_type = FAMFS_SUPERBLOCK;
		f.fioc_ext_type = FAMFS_IOC_EXT_INTERLEAVE;
		f.fioc_niext = 1;
		f.kie = (uint64_t)(uintptr_t)&ie;
		expect_rc(ioctl(fd, FAMFSIOC_MAP_CREATE_V2, &f), EINVAL, "interleaved superblock file -> EINVAL");
	}

	/* ENXIO: outside the device */
	se[0] = (struct famfs_ioc_simple_extent){ 0, end2m, SZ_2M };
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_REG, 1, se), ENXIO, "extent past the end of the device -> ENXIO");
	se[0] = (struct famfs_ioc_simple_extent){ 0, end2m - SZ_2M, 4 * MiB };
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_REG, 1, se), ENXIO, "extent crossing the end of the device -> ENXIO");
	se[0] = (struct famfs_ioc_simple_extent){ 0, 0xffffffffffe00000ULL, 4 * MiB };
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_REG, 1, se), ENXIO, "offset+len overflow -> ENXIO");
	il_setup(&ie, st, 2, SZ_2M, SZ_2M, F);
	st[1].offset = end2m;
	expect_rc(v2_il(fd, SZ_2M, 1, &ie), ENXIO, "strip past the end of the device -> ENXIO");

	/* v1 rules */
	expect_rc(v1_create(fd, INTERLEAVED_EXTENT, FAMFS_REG, SZ_2M, 1, F, SZ_2M, 0, 0), EINVAL, "v1 interleaved extent type -> EINVAL");
	expect_rc(v1_create(fd, SIMPLE_DAX_EXTENT, FAMFS_REG, SZ_2M, 1, F + 4096, SZ_2M, 0, 0), EINVAL, "v1 offset not 2 MiB aligned -> EINVAL");
	expect_rc(v1_create(fd, SIMPLE_DAX_EXTENT, FAMFS_REG, SZ_2M, 1, F, SZ_2M + 100, 0, 0), EINVAL, "v1 last length not a 4 KiB multiple -> EINVAL");
	expect_rc(v1_create(fd, SIMPLE_DAX_EXTENT, FAMFS_REG, SZ_2M, 2, F, MiB, F + 4 * MiB, SZ_2M), EINVAL, "v1 first length not a 2 MiB multiple -> EINVAL");
	expect_rc(v1_create(fd, SIMPLE_DAX_EXTENT, 5, SZ_2M, 1, F, SZ_2M, 0, 0), EINVAL, "v1 unknown file_type -> EINVAL");
	expect_rc(v1_create(fd, SIMPLE_DAX_EXTENT, FAMFS_REG, SZ_2M, 1, end2m, SZ_2M, 0, 0), ENXIO, "v1 extent past the end -> ENXIO");

	/* nothing left behind by all of the above */
	st_rc = fstat(fd, &sb);
	report(!st_rc && sb.st_size == 0 && ioctl(fd, FAMFSIOC_MAP_GET_V2, &g) < 0 &&
	       errno == ENODATA && statfs_used() == used_before,
	       "failed MAP_CREATEs leave no map, size or space behind",
	       "size %lld used %" PRIu64 " (was %" PRIu64 ")", (long long)sb.st_size,
	       statfs_used(), used_before);

	/* the file is still usable; a second map is refused */
	se[0] = (struct famfs_ioc_simple_extent){ 0, F, SZ_2M };
	if (expect_rc(v2_simple(fd, SZ_2M - 4096, FAMFS_REG, 1, se), 0, "valid map after failed attempts"))
		g_mapped += SZ_2M;
	se[0] = (struct famfs_ioc_simple_extent){ 0, F + 4 * MiB, SZ_2M };
	expect_rc(v2_simple(fd, SZ_2M, FAMFS_REG, 1, se), EEXIST, "second MAP_CREATE_V2 -> EEXIST");
	expect_rc(v1_create(fd, SIMPLE_DAX_EXTENT, FAMFS_REG, SZ_2M, 1, F + 4 * MiB, SZ_2M, 0, 0), EEXIST, "MAP_CREATE after MAP_CREATE_V2 -> EEXIST");
	expect_rc(ioctl(fd, FAMFSIOC_MAP_GET_V2, (void *)16), EFAULT, "MAP_GET_V2 to a bad pointer -> EFAULT");
	expect_rc(ioctl(fd, FAMFSIOC_MAP_GET, (void *)16), EFAULT, "MAP_GET to a bad pointer -> EFAULT");
	report(statfs_used() == g_mapped, "statfs counts mapped bytes",
	       "used %" PRIu64 " want %" PRIu64, statfs_used(), g_mapped);
	close(fd);
}

