package llama

/*
#include "binding.h"
*/
import "C"

import (
	"fmt"
	"strings"
)

// FlashAttn is llama.cpp's flash-attention setting (-fa on|off|auto).
type FlashAttn int8

// Flash-attention settings. The zero value is llama.cpp's default, auto
// (on for the CPU backend).
const (
	FlashAttnAuto FlashAttn = iota
	FlashAttnOn
	FlashAttnOff
)

// ParseFlashAttn reads a -fa value as llama.cpp's tools accept it: on,
// off or auto (also enabled/disabled, 1/0/-1), case-insensitive.
func ParseFlashAttn(s string) (FlashAttn, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "on", "enabled", "1", "true":
		return FlashAttnOn, nil
	case "off", "disabled", "0", "false":
		return FlashAttnOff, nil
	case "auto", "-1":
		return FlashAttnAuto, nil
	}
	return 0, fmt.Errorf("flash attention %q: want on, off or auto", s)
}

// String returns on, off or auto.
func (f FlashAttn) String() string {
	switch f {
	case FlashAttnOn:
		return "on"
	case FlashAttnOff:
		return "off"
	}
	return "auto"
}

func (f FlashAttn) cType() C.enum_llama_flash_attn_type {
	switch f {
	case FlashAttnOn:
		return C.LLAMA_FLASH_ATTN_TYPE_ENABLED
	case FlashAttnOff:
		return C.LLAMA_FLASH_ATTN_TYPE_DISABLED
	}
	return C.LLAMA_FLASH_ATTN_TYPE_AUTO
}
