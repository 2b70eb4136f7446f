package io.meridian.local.service;

import java.net.InetSocketAddress;

/** A running Cassandra cluster, whichever backend runs it. */
public interface CassandraService extends BackingService {

    /** Where CQL clients connect. */
    InetSocketAddress cqlAddress();

    /** The data centre name clients must use as their local DC. */
    String localDatacenter();
}
