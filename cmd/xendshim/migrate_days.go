package main

import "time"

func dayDuration(days int) time.Duration { return time.Duration(days) * 24 * time.Hour }
