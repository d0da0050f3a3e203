package com.mysticanvas.orchestrator.downloads;

import java.net.URI;

/**
 * One file to fetch: where from, the name it gets in its model folder, and what the source says of it.
 *
 * @param size   bytes, or -1 when the source does not say (the server's Content-Range then does)
 * @param sha256 lower-case hex the finished file must hash to, or null when the source gives none
 */
public record RemoteFile(String name, URI url, long size, String sha256) {}
