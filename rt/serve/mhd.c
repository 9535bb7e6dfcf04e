/* The libmicrohttpd function table (mhd.h), filled by mhd_load. */
#include "mhd.h"

mhd_fns mhd;
RT_DYNLIB_LOADER(mhd, MHD_FNS, "libmicrohttpd.so.12")
