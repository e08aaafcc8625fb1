/* Where ktstr keeps and finds things. Each returns a malloc'd string. */
#ifndef KTSTR_PATHS_H
#define KTSTR_PATHS_H

/* $KTSTR_SHARE_DIR, else share/ktstr beside the executable's tree. */
char *paths_share_dir(void);
/* $KTSTR_CACHE_DIR, else ${XDG_CACHE_HOME:-~/.cache}/ktstr */
char *paths_cache_dir(void);
/* $KTSTR_RUNS_DIR, else ${XDG_DATA_HOME:-~/.local/share}/ktstr/runs */
char *paths_runs_dir(void);
/* dir + "/" + name */
char *paths_join(const char *dir, const char *name);

#endif
