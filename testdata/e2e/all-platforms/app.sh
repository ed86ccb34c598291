#!/bin/sh
echo "on a registry base"
