"""The rules table in Chinese (中文): what ``chainrule.rules.table()`` and ``show()`` print in
the Chinese edition. The maths is the same; only words change. Keyed by the English text the
rule's decorator gives, so a rule whose words change without a Chinese text here fails
tests/test_rules_table.py, naming it.
"""

# The book sections that derive the rules: chapter 2's headings, as the Chinese page has them.
SECTIONS_ZH = {
    "Chapter 2, Derivative rules": "第2章 求导法则",
    "Sum rule": "求和法则",
    "Product rule": "乘积法则",
    "Power rule": "幂法则",
    "Matrix products": "矩阵乘积",
    "Elementary functions": "初等函数",
    "Kinks and routing": "折点与路由",
}

# A rule's reverse-mode (VJP) or forward-mode (JVP) text, where it has words.
TEXTS_ZH = {
    "∂L/∂a = g·p·aᵖ⁻¹  (p a constant)": "∂L/∂a = g·p·aᵖ⁻¹（p为常数）",
    "∂L/∂aⱼ = g: the gradient is copied to every summed element": "∂L/∂aⱼ = g：梯度复制给每个被求和的元素",
    "∂L/∂aⱼ = g/m, m entries averaged": "∂L/∂aⱼ = g/m，对m个元素求平均",
    "∂L/∂a = g summed over the copies": "∂L/∂a = g对各个副本求和",
    "ȧ copied": "ȧ复制",
    "∂L/∂a = g reshaped back: elements move, values do not change": "∂L/∂a = g变回原形状：元素移动，值不变",
    "ȧ reshaped": "ȧ变形",
    "∂L/∂a = g with the inverse permutation": "∂L/∂a = g按逆置换排列",
    "ȧ permuted": "ȧ置换",
    "∂L/∂a = g at the selected elements, 0 elsewhere": "∂L/∂a = 被选元素处为g，其余为0",
    "ȧ selected": "ȧ选取",
    "∂L/∂a = g at the places a was put": "∂L/∂a = a被放入之处的g",
    "ȧ put in place": "ȧ放入原处",
    "∂L/∂aₖ = g's slice where aₖ was put": "∂L/∂aₖ = g中aₖ所在的切片",
    "the ȧₖ concatenated": "各ȧₖ拼接",
    "∂L/∂aₖ = g's k-th slice along the new axis": "∂L/∂aₖ = g沿新轴的第k个切片",
    "the ȧₖ stacked": "各ȧₖ堆叠",
    "∂L/∂a = g cast back to a's dtype": "∂L/∂a = g转回a的数据类型",
    "ȧ cast": "ȧ转换类型",
    "∂L/∂a = g/(2√a)  (infinite at a = 0)": "∂L/∂a = g/(2√a)（a = 0处为无穷大）",
    "∂L/∂a = g·eᵃ⁻ᵒᵘᵗ,  ∂L/∂b = g·eᵇ⁻ᵒᵘᵗ  (softmax of (a, b))": "∂L/∂a = g·eᵃ⁻ᵒᵘᵗ，∂L/∂b = g·eᵇ⁻ᵒᵘᵗ  （(a, b)的softmax）",
    "∂L/∂a = g,  ∂L/∂b = −g·⌊a/b⌋  (a jump where a/b is an integer)": "∂L/∂a = g，∂L/∂b = −g·⌊a/b⌋  （a/b为整数处有跳跃）",
    "∂L/∂a = g·sign(a)  (at 0: the subgradient 0)": "∂L/∂a = g·sign(a)（在0处取次梯度0）",
    "∂L/∂a = g where a > b, ∂L/∂b = g where b > a  (tie: ½ each)": "a > b处∂L/∂a = g，b > a处∂L/∂b = g（相等时各取½）",
    "ȧ where a > b, else ḃ (tie: mean)": "a > b处为ȧ，否则为ḃ（相等时取平均）",
    "∂L/∂a = g where a < b, ∂L/∂b = g where b < a  (tie: ½ each)": "a < b处∂L/∂a = g，b < a处∂L/∂b = g（相等时各取½）",
    "ȧ where a < b, else ḃ (tie: mean)": "a < b处为ȧ，否则为ḃ（相等时取平均）",
    "∂L/∂aⱼ = g at the largest element, 0 elsewhere  (k tied: g/k each)": "∂L/∂aⱼ = 最大元素处为g，其余为0（k个并列时各得g/k）",
    "ȧ at the largest element": "最大元素处的ȧ",
    "∂L/∂aⱼ = g at the smallest element, 0 elsewhere  (k tied: g/k each)":
        "∂L/∂aⱼ = 最小元素处为g，其余为0（k个并列时各得g/k）",
    "ȧ at the smallest element": "最小元素处的ȧ",
    "∂L/∂x = g where the condition holds, ∂L/∂y = g elsewhere": "条件成立处∂L/∂x = g，其余处∂L/∂y = g",
    "ẋ where the condition holds, else ẏ": "条件成立处为ẋ，否则为ẏ",
    "∂L/∂a = g where a_min < a < a_max, else 0  (at a bound: 0)": "a_min < a < a_max处∂L/∂a = g，否则为0（在边界上为0）",
    "ȧ where a_min < a < a_max, else 0": "a_min < a < a_max处为ȧ，否则为0",
    "∂L/∂a = g if a > 0, else 0 (at 0: the subgradient 0)": "a > 0时∂L/∂a = g，否则为0（在0处取次梯度0）",
    "ȧ if a > 0, else 0": "a > 0时为ȧ，否则为0",
    "∂L/∂a = g if a > 0, else α·g (at 0: α)": "a > 0时∂L/∂a = g，否则为α·g（在0处取α）",
    "ȧ if a > 0, else α·ȧ": "a > 0时为ȧ，否则为α·ȧ",
}
