/**
 * The testkit's API: implement {@link dev.tether.testkit.SubjectFactory} for your library, and
 * {@link dev.tether.testkit.ListenerLifecycleContract} in a test class, to run the battery; or run
 * one check with {@link dev.tether.testkit.Battery#run}. Guide: {@code docs/testing-your-library.md}.
 */
@NullMarked
package dev.tether.testkit;

import org.jspecify.annotations.NullMarked;
