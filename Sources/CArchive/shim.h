#ifndef SIGNTOOL_CARCHIVE_SHIM_H
#define SIGNTOOL_CARCHIVE_SHIM_H

#include <archive.h>
#include <archive_entry.h>

#endif
