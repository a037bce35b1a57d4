"""What to tell the user about an OSError while writing."""

from __future__ import annotations


def fix_for(exc: OSError) -> str:
    import errno

    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return "The disk (or your quota) is full: free some space, or write elsewhere."
    if exc.errno in (errno.EROFS,):
        return "The file system is read-only: choose a folder on a writable disk."
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "Choose a folder you can write to, or fix its permissions."
    return "Check the folder's permissions and free space, then try again."
