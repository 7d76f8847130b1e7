/*
 * nameguard.h: the orphan rule's last guard: which images a text file of
 * the site names, whether or not a scanner found a reference there.
 *
 * A file is an orphan only if no reference of the site resolves to it
 * and neither its site-relative path nor its file name appears in any
 * text file of the site.  The second half is this guard: a theme that
 * assembles a path from parts (`'/img/' + name`), a `<link href>` icon,
 * a value in a format no scanner reads still keeps its image.  Names are
 * matched as whole words: the text is cut at blanks, quotes, slashes,
 * brackets and the other characters a path or URL ends at (`?`, `#`, `=`,
 * `,`, `:`…), and each piece, %-decoded when it holds a `%`, is looked
 * up.  A name holding such a character (a space, a parenthesis) is not
 * guarded.
 *
 * Ownership: results are transfer full.
 * Thread-safety: reentrant.
 */
#ifndef IMGOPT_NAMEGUARD_H
#define IMGOPT_NAMEGUARD_H

#include <glib.h> /* GPtrArray */

#include "imgopt/dupes.h" /* ImgoptKeptByName */

/**
 * imgopt_name_guard:
 * @root: the site root (absolute)
 * @referrers: (element-type ImgoptReferrer): the text files to read,
 *   in the order to search them
 * @paths: (element-type filename): candidate orphans, relative to @root
 *
 * Reads each referrer (one that cannot be read is passed over) and finds
 * the first mention of each candidate's file name.
 *
 * Returns: (transfer full) (element-type ImgoptKeptByName): the candidates
 *   named somewhere, with the first file and line naming them, sorted by
 *   path.
 */
GPtrArray *imgopt_name_guard(const char *root, const GPtrArray *referrers,
			     const GPtrArray *paths);

#endif /* IMGOPT_NAMEGUARD_H */
