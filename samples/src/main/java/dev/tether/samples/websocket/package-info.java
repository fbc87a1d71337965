/**
 * {@link dev.tether.samples.websocket.TetherWebSocket}: the JDK's {@link java.net.http.WebSocket}
 * client held in a {@link dev.tether.Lifecycle} node, so that after its {@code close()} returns no
 * listener call reaches user code, whatever the JDK's own listener still does.
 *
 * <p>Every type in this package is null-hostile: a null argument throws
 * {@link NullPointerException} naming the parameter.
 */
package dev.tether.samples.websocket;
