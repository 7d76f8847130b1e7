/*
 * imgopt.h: umbrella include for libimgopt, the core of the imgopt tool.
 *
 * The CLI and the tests include this (or single headers from
 * include/imgopt/) and nothing from src/.
 */
#ifndef IMGOPT_IMGOPT_H
#define IMGOPT_IMGOPT_H

#include "imgopt/build.h"
#include "imgopt/config.h"
#include "imgopt/layout.h"
#include "imgopt/diff.h"
#include "imgopt/dupes.h"
#include "imgopt/error.h"
#include "imgopt/group.h"
#include "imgopt/index.h"
#include "imgopt/init.h"
#include "imgopt/lock.h"
#include "imgopt/manifest.h"
#include "imgopt/memo.h"
#include "imgopt/recompress.h"
#include "imgopt/referrers.h"
#include "imgopt/report.h"
#include "imgopt/observer.h"
#include "imgopt/prune.h"
#include "imgopt/rewrite.h"
#include "imgopt/run.h"
#include "imgopt/scan.h"
#include "imgopt/settings.h"
#include "imgopt/site.h"
#include "imgopt/types.h"
#include "imgopt/undo.h"

#endif /* IMGOPT_IMGOPT_H */
