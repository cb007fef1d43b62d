#ifndef SIGNTOOL_CARCHIVE_SHIM_H
#define SIGNTOOL_CARCHIVE_SHIM_H

#include <archive.h>
#include <archive_entry.h>

/* syncfs(2), which the blob store's group commit uses: glibc declares it only under
   _GNU_SOURCE, which Swift's Glibc module is not built with. */
extern int syncfs(int fd);

#endif
