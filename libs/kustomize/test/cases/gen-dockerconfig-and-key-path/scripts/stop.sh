#!/bin/sh
kill -TERM 1
