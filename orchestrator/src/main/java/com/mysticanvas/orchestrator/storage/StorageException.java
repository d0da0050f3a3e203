package com.mysticanvas.orchestrator.storage;

import com.mysticanvas.core.Problem;
import java.sql.SQLException;

/** A database failure. A full disk or a read-only data folder is reported in words the user can act on. */
public final class StorageException extends Problem {
    public StorageException(SQLException cause) {
        super(Kind.STORAGE_FAILED, "storage_error", describe(cause), cause);
    }

    private static String describe(SQLException e) {
        String m = String.valueOf(e.getMessage());
        if (m.contains("SQLITE_FULL") || m.contains("disk is full")) {
            return "the data folder's disk is full; nothing was saved. Free some space and try again.";
        }
        if (m.contains("SQLITE_READONLY") || m.contains("readonly")) {
            return "the data folder is read-only; nothing was saved. Check its permissions.";
        }
        return "storage failed: " + m;
    }
}
