// SPDX-License-Identifier: GPL-2.0
/*
 * What the parts of the one-device VM tests (vm_fs*.c) share: the device
 * under test, the mount point, the bytes mapped so far, and the checks each
 * part runs for cmd_fs() in vm_fs.c.
 */
#ifndef FAMFS_VM_FS_H
#define FAMFS_VM_FS_H

#include "vmtest.h"

#include <stdbool.h>
#include <stdint.h>

extern bool g_devdax;
extern const char *g_mnt;
extern uint64_t g_devsize;
extern uint64_t g_mapped;	/* device bytes mapped by files, as the test counts */

/* vm_fs.c */
char *mpath(const char *name);
uint64_t statfs_used(void);
int create_empty(const char *name);
int create_mapped(const char *name, const struct tmap *m);
void data_tests(const char *label, int fd, const struct tmap *m,
		       uint64_t seed);
long touch_pages(volatile uint8_t *p, uint64_t len, bool write);

/* vm_fs_ioctl.c */
void ioctl_errno_tests(void);
int v2_simple(int fd, uint64_t size, uint32_t ftype, uint32_t n,
		     const struct famfs_ioc_simple_extent *se);
int v1_create(int fd, uint32_t etype, uint32_t ftype, uint64_t size,
		     uint64_t count, uint64_t o0, uint64_t l0, uint64_t o1,
		     uint64_t l1);

/* vm_fs_ns.c */
void meta_tests(void);
void unmapped_tests(void);
void refusal_tests(int fd, const struct tmap *m, const char *name);
void mmap_flag_tests(int fd, const struct tmap *m, const char *name);
void v1_tests(void);
void dir_tests(void);

/* vm_fs_io.c */
void io_path_tests(int fd, const struct tmap *m, const char *name);
void devdax_hwpoison_test(void);
void user_buffer_tests(int fd, const struct tmap *m);
void limit_tests(void);

#endif
