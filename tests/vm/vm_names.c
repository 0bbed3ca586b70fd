// SPDX-License-Identifier: GPL-2.0
/*
 * famfs VM tests: the namespace helpers the test groups share. Files are
 * created with open(O_CREAT) and given a map; names are removed only with
 * FAMFSIOC_REMOVE (unlink(2)/rmdir(2) are refused in a famfs mount).
 */
#include "vmtest.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

int make_mapped_file(const char *mnt, const char *name, const struct tmap *m)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", mnt, name);
	fd = open(path, O_CREAT | O_EXCL | O_RDWR, 0644);
	if (fd < 0) {
		report(false, "create file", "%s: %s", path, errname(errno));
		return -1;
	}
	if (!expect_rc(tmap_create(fd, m), 0, "map %s", name)) {
		close(fd);
		return -1;
	}
	return fd;
}

int famfs_remove_name(int dirfd, const char *name, uint32_t kind, uint64_t cookie)
{
	struct famfs_ioc_remove req;

	memset(&req, 0, sizeof(req));
	req.fr_cookie = cookie;
	req.fr_kind = kind;
	snprintf(req.fr_name, sizeof(req.fr_name), "%s", name);
	return ioctl(dirfd, FAMFSIOC_REMOVE, &req);
}

int famfs_remove(const char *path, uint32_t kind, uint64_t cookie)
{
	char dir[512], base[512];
	int dfd, rc, err;

	snprintf(dir, sizeof(dir), "%s", path);
	snprintf(base, sizeof(base), "%s", path);
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY);
	if (dfd < 0)
		return -1;
	rc = famfs_remove_name(dfd, basename(base), kind, cookie);
	err = errno;
	close(dfd);
	errno = err;
	return rc;
}

int famfs_rm(const char *path)
{
	return famfs_remove(path, FAMFS_REMOVE_FILE, 0);
}

int famfs_rmdir(const char *path)
{
	return famfs_remove(path, FAMFS_REMOVE_DIR, 0);
}

int famfs_orphans(const char *mnt, struct famfs_ioc_orphan *buf, uint32_t cap, uint32_t *total)
{
	struct famfs_ioc_orphans req;
	int fd = open(mnt, O_RDONLY | O_DIRECTORY);
	int rc, err;

	if (fd < 0)
		return -1;
	memset(&req, 0, sizeof(req));
	req.fo_buf = (uint64_t)(uintptr_t)buf;
	req.fo_capacity = cap;
	rc = ioctl(fd, FAMFSIOC_GET_ORPHANS, &req);
	err = errno;
	close(fd);
	errno = err;
	if (rc)
		return -1;
	if (total)
		*total = req.fo_total;
	return (int)req.fo_count;
}

int famfs_orphan_has(const char *mnt, uint64_t cookie)
{
	struct famfs_ioc_orphan buf[64];
	int n = famfs_orphans(mnt, buf, 64, NULL), i;

	if (n < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (buf[i].fo_cookie == cookie)
			return 1;
	return 0;
}
